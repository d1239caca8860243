"""Twilio on loopback: the Messages API the front door sends through, and signed webhooks.

`TwilioApi` answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio does (Basic
auth with the account SID and auth token, form fields, a JSON message resource with `sid` and
`status`) and records every request. `signature` signs a webhook the way Twilio does.
"""

import base64
import itertools
from collections.abc import Callable
from email.utils import formatdate
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator

from tests.support.loopback import JsonHandler, LoopbackServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
# Also in the environment of every test run (tests/conftest.py), so the e2e api checks it too.
AUTH_TOKEN = "twilio-auth-token-for-tests"
WHATSAPP_FROM = "whatsapp:+4952719650000"
SMS_FROM = "+4952719650001"


def signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature for a form posted to `url`."""
    return RequestValidator(token).compute_signature(url, params)


class TwilioApi(LoopbackServer):
    """Twilio's Messages API on loopback. `refuse` makes it answer 400 like a bad number."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.requests: list[dict] = []
        # Runs while a message is "being sent", before Twilio answers: what else can happen then.
        self.while_sending: Callable[[], None] | None = None
        self._sids = itertools.count(1)
        super().__init__(_Handler)


class _Handler(JsonHandler):
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
        if server.while_sending is not None:
            server.while_sending()
        expected_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        if (user, password) != (ACCOUNT_SID, AUTH_TOKEN):
            self.reply_json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        elif self.path != expected_path:
            self.reply_json(404, {"code": 20404, "message": "Not found", "status": 404})
        elif server.refuse:
            self.reply_json(
                400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}
            )
        else:
            sid = f"SM{next(server._sids):032x}"
            now = formatdate(usegmt=True)
            self.reply_json(
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
