"""Encryption of sensitive data at rest (screening answers, pre-intake records).

DATA_KEYS holds one or more Fernet keys, comma-separated. The first encrypts; all decrypt.
Rotation: put a new key first, keep the old ones, run `python -m api.cli rotate-data-keys`
(re-encrypts every stored value with the new key), then drop the old keys.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from core.settings import get_settings


class MissingDataKey(RuntimeError):
    pass


@lru_cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in get_settings().data_keys.get_secret_value().split(",") if k.strip()]
    if not keys:
        raise MissingDataKey("DATA_KEYS is not set: see .env.example")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """The same plaintext under the current first key."""
    return _fernet().rotate(token.encode()).decode()


__all__ = ["InvalidToken", "MissingDataKey", "decrypt", "encrypt", "rotate"]
