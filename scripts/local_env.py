"""Writes var/local.env with random secrets for local runs, once; never overwrites it."""

import secrets
from pathlib import Path

path = Path(__file__).resolve().parent.parent / "var" / "local.env"
if not path.exists():
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "# Generated for this checkout by `make`; not for production. See .env.example.\n"
        f"INTERNAL_TOKEN={secrets.token_urlsafe(32)}\n"
        f"PSEUDONYM_PEPPER={secrets.token_urlsafe(32)}\n"
    )
    path.chmod(0o600)
    print(f"wrote {path}")
