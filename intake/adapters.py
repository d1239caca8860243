"""Case-system adapters: how a pre-intake record leaves the front door.

`webhook`: HTTPS POST of the JSON with an HMAC-SHA256 signature over the body
(`X-KIM-Signature: sha256=<hex>`, secret CASE_SYSTEM_SECRET) and an `Idempotency-Key` that
stays the same on every retry. `file`: one JSON file per record, written atomically, for
systems that import a directory. `log`: local mode, the default; logs that it would deliver.
"""

import hashlib
import hmac
import logging
import os
import tempfile
from pathlib import Path
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel

logger = logging.getLogger("kim.case_system")

SIGNATURE_HEADER = "X-KIM-Signature"
TIMEOUT_SECONDS = 10.0


class DeliveryFailed(Exception):
    pass


class CaseSystemConfig(BaseModel):
    """`case_system` in the county config."""

    adapter: Literal["log", "file", "webhook"] = "log"
    url: str | None = None
    directory: str | None = None


class Adapter(Protocol):
    def deliver(self, body: bytes, idempotency_key: str) -> None: ...


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class LogAdapter:
    def deliver(self, body: bytes, idempotency_key: str) -> None:
        logger.info("[local mode] pre-intake record %s (%d bytes)", idempotency_key, len(body))


class FileAdapter:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def deliver(self, body: bytes, idempotency_key: str) -> None:
        """Written beside, then renamed: an importer never sees half a file. Same key, same file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"{idempotency_key}.json"
        with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".tmp", delete=False) as tmp:
            tmp.write(body)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, target)


class WebhookAdapter:
    def __init__(self, url: str, secret: str, timeout: float = TIMEOUT_SECONDS) -> None:
        if not secret:
            raise ValueError("the webhook adapter needs CASE_SYSTEM_SECRET")
        self.url, self.secret, self.timeout = url, secret, timeout

    def deliver(self, body: bytes, idempotency_key: str) -> None:
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
            SIGNATURE_HEADER: sign(self.secret, body),
        }
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 300:
            raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")


def adapter_for(config: CaseSystemConfig, secret: str, var_dir: Path) -> Adapter:
    if config.adapter == "webhook":
        if not config.url:
            raise ValueError("case_system.url is required for the webhook adapter")
        return WebhookAdapter(config.url, secret)
    if config.adapter == "file":
        return FileAdapter(Path(config.directory or var_dir / "case-system"))
    return LogAdapter()
