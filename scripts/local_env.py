"""Writes var/local.env with random secrets for local runs; adds missing ones, never replaces."""

import base64
import secrets
from pathlib import Path

path = Path(__file__).resolve().parent.parent / "var" / "local.env"
GENERATORS = {
    "INTERNAL_TOKEN": lambda: secrets.token_urlsafe(32),
    "PSEUDONYM_PEPPER": lambda: secrets.token_urlsafe(32),
    # Fernet keys for data at rest (core/crypto.py); comma-separated, the first one encrypts.
    "DATA_KEYS": lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}

path.parent.mkdir(exist_ok=True)
existing = (
    path.read_text()
    if path.exists()
    else ("# Generated for this checkout by `make`; not for production. See .env.example.\n")
)
present = {line.split("=", 1)[0] for line in existing.splitlines() if "=" in line}
missing = [name for name in GENERATORS if name not in present]
if missing:
    path.write_text(existing + "".join(f"{name}={GENERATORS[name]()}\n" for name in missing))
    path.chmod(0o600)
    print(f"wrote {', '.join(missing)} to {path}")
