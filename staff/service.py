"""Accounts, logins, sessions and the audit log: the only code that writes them."""

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from staff.models import AuditEntry, LoginAttempt, StaffSession, StaffUser
from staff.roles import Role

# Sessions end after this much idleness, and in any case after a working day.
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_SESSION = timedelta(hours=10)
# Rate limit, per window: this many failed logins for an account from one address lock the
# account for that address only, so nobody can lock a colleague out by typing her name; an
# account that fails this often from all addresses together is locked everywhere (guessing
# from many addresses). Behind a reverse proxy the address is the forwarded one only when
# uvicorn trusts the proxy (FORWARDED_ALLOW_IPS); otherwise every login shares the proxy's
# address and the lock is per account, as if there were one address.
MAX_FAILURES = 5
MAX_FAILURES_PER_ACCOUNT = 50
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A message for the person filling in the form (staff pages are in German)."""


class LoginRefused(Exception):
    pass


class LoginLocked(Exception):
    pass


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Das Passwort braucht mindestens {MIN_PASSWORD_LENGTH} Zeichen.")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    case_manager_id: int | None = None,
) -> StaffUser:
    email = _normalise_email(email)
    if "@" not in email:
        raise AccountError("Bitte eine gültige E-Mail-Adresse eingeben.")
    if role not in set(Role):
        raise AccountError("Unbekannte Rolle.")
    if role == Role.CASEWORKER and case_manager_id is None:
        raise AccountError("Ein Case-Management-Konto braucht die zugehörige Fachkraft.")
    if session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise AccountError("Diese E-Mail-Adresse hat schon ein Konto.")
    _check_password(password)
    user = StaffUser(
        email=email,
        name=name.strip() or email,
        role=role,
        password_hash=_hasher.hash(password),
        case_manager_id=case_manager_id if role == Role.CASEWORKER else None,
    )
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session, user: StaffUser, *, role: str, active: bool, case_manager_id: int | None
) -> StaffUser:
    if role not in set(Role):
        raise AccountError("Unbekannte Rolle.")
    if role == Role.CASEWORKER and case_manager_id is None:
        raise AccountError("Ein Case-Management-Konto braucht die zugehörige Fachkraft.")
    user.role = role
    user.active = active
    user.case_manager_id = case_manager_id if role == Role.CASEWORKER else None
    if not active:
        end_all_sessions(session, user)
    session.flush()
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    end_all_sessions(session, user)


def authenticate(
    session: Session, email: str, password: str, now: datetime, *, client: str
) -> StaffUser:
    """The user, or LoginRefused (wrong or inactive), or LoginLocked (too many failures).
    `client` is the address the login comes from."""
    key = _normalise_email(email)
    client = client[:64]
    here, everywhere = session.execute(
        select(func.count().filter(LoginAttempt.client == client), func.count()).where(
            LoginAttempt.key == key, LoginAttempt.at > now - FAILURE_WINDOW
        )
    ).one()
    if here >= MAX_FAILURES or everywhere >= MAX_FAILURES_PER_ACCOUNT:
        raise LoginLocked
    user = session.scalar(select(StaffUser).where(StaffUser.email == key))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        session.add(LoginAttempt(key=key, client=client, at=now))
        session.flush()
        raise LoginRefused
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.key == key, LoginAttempt.client == client)
    )
    user.last_login_at = now
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: StaffUser, now: datetime) -> tuple[str, StaffSession]:
    """A new session token (for the cookie) and its row."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=_hash_token(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + MAX_SESSION,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_session(session: Session, token: str, now: datetime) -> StaffSession | None:
    """The live session for a cookie, its idle clock reset; None once expired or ended."""
    if not token:
        return None
    row = session.get(StaffSession, _hash_token(token))
    if row is None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= IDLE_TIMEOUT or not row.user.active:
        session.delete(row)
        session.flush()
        return None
    row.last_seen_at = now
    return row


def end_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash_token(token)))


def end_all_sessions(session: Session, user: StaffUser) -> None:
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def audit(
    session: Session,
    user: StaffUser,
    action: str,
    now: datetime,
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        at=now,
        user_id=user.id,
        user_email=user.email,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail[:300],
    )
    session.add(entry)
    session.flush()
    return entry
