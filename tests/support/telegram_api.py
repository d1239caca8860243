"""Telegram's Bot API on loopback: `POST /bot{token}/{method}` with JSON, recorded."""

import itertools
import json

from tests.support.loopback import JsonHandler, LoopbackServer

BOT_TOKEN = "123456:telegram-bot-token-for-tests"
# Also in the environment of every test run (tests/conftest.py).
SECRET_TOKEN = "telegram-webhook-secret-for-tests"


class TelegramApi(LoopbackServer):
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._ids = itertools.count(100)
        super().__init__(_Handler)

    def calls(self, method: str) -> list[dict]:
        return [r["json"] for r in self.requests if r["method"] == method]


class _Handler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: TelegramApi = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or "{}")
        token, _, method = self.path.removeprefix("/bot").partition("/")
        server.requests.append({"token": token, "method": method, "json": body})
        if token != BOT_TOKEN:
            status, answer = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif method == "sendMessage":
            text = body.get("text") or ""
            callbacks = [
                button.get("callback_data", "")
                for row in (body.get("reply_markup") or {}).get("inline_keyboard", [])
                for button in row
            ]
            if not text or len(text) > 4096 or any(len(c.encode()) > 64 for c in callbacks):
                status, answer = 400, {"ok": False, "error_code": 400, "description": "Bad Request"}
            else:
                message = {"message_id": next(server._ids), "chat": {"id": body["chat_id"]}}
                status, answer = 200, {"ok": True, "result": message | {"text": text}}
        else:
            status, answer = 200, {"ok": True, "result": True}
        self.reply_json(status, answer)
