"""Twilio on loopback: the Messages API the front door sends through, and signed webhooks.

`TwilioApi` answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio does (Basic
auth with the account SID and auth token, form fields, a JSON message resource with `sid` and
`status`) and records every request. `signature` signs a webhook the way Twilio does.
"""

import base64
import itertools
import json
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
# Also in the environment of every test run (tests/conftest.py), so the e2e api checks it too.
AUTH_TOKEN = "twilio-auth-token-for-tests"
WHATSAPP_FROM = "whatsapp:+4952719650000"
SMS_FROM = "+4952719650001"


def signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a form posted to `url`."""
    return RequestValidator(token).compute_signature(url, params)


class TwilioApi(ThreadingHTTPServer):
    """Twilio's Messages API on loopback. `refuse` makes it answer 400 like a bad number."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.requests: list[dict] = []
        self._sids = itertools.count(1)
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: TwilioApi = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = {key: values[0] for key, values in parse_qs(body).items()}
        user, _, password = base64.b64decode(
            self.headers.get("Authorization", "Basic ").removeprefix("Basic ")
        ).decode().partition(":")  # fmt: skip
        server.requests.append(
            {"path": self.path, "auth": (user, password), "form": form, "headers": self.headers}
        )
        expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        if (user, password) != (ACCOUNT_SID, AUTH_TOKEN):
            self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        elif self.path != expected_path:
            self._json(404, {"code": 20404, "message": "Not found", "status": 404})
        elif server.refuse:
            self._json(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
        else:
            sid = f"SM{next(server._sids):032x}"
            now = formatdate(usegmt=True)
            self._json(
                201,
                {
                    "sid": sid,
                    "account_sid": ACCOUNT_SID,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "body": form.get("Body", ""),
                    "status": "queued",
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "date_created": now,
                    "date_updated": now,
                    "uri": f"{expected_path[:-5]}/{sid}.json",
                },
            )

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass
