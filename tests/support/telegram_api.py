"""Telegram's Bot API on loopback: `POST /bot{token}/{method}` with JSON, recorded."""

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT_TOKEN = "123456:telegram-bot-token-for-tests"
# Also in the environment of every test run (tests/conftest.py).
SECRET_TOKEN = "telegram-webhook-secret-for-tests"


class TelegramApi(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self._ids = itertools.count(100)
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def calls(self, method: str) -> list[dict]:
        return [r["json"] for r in self.requests if r["method"] == method]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
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
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass
