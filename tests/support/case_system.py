"""A case system on loopback that speaks the webhook protocol of intake/adapters.py."""

import hashlib
import hmac
import json

from intake.adapters import SIGNATURE_HEADER
from tests.support.loopback import JsonHandler, LoopbackServer

SECRET = "shared-secret-for-tests"


class Receiver(LoopbackServer):
    """A case system on loopback: fails the first `failures` requests, then accepts.

    Like a real receiver it verifies the signature and keeps one record per Idempotency-Key.
    """

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[dict] = []
        self.records: dict[str, dict] = {}
        super().__init__(_Handler)

    @property
    def url(self) -> str:
        return f"{super().url}/intake"


class _Handler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: Receiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(self.headers.get(SIGNATURE_HEADER, ""), expected)
        key = self.headers["Idempotency-Key"]
        server.requests.append({"key": key, "signed": signed})
        if not signed:
            self.send_response(401)
        elif len(server.requests) <= server.failures:
            self.send_response(503)
        else:
            server.records.setdefault(key, json.loads(body))
            self.send_response(201)
        self.end_headers()
