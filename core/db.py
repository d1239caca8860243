"""SQLAlchemy 2 engine, sessions and the declarative base every domain model uses."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core.settings import get_settings

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Connections kept open: a chat message uses one, and 20 residents chatting at once overflowed
# SQLAlchemy's default of 5, which closed and reopened a connection for most messages. At most
# 15 at once, as with SQLAlchemy's defaults: PostgreSQL's connection slots are shared.
POOL = {"pool_size": 10, "max_overflow": 5}


# How long a write waits for the database: SQLite's busy timeout, and the process's write turn.
SQLITE_WAIT_SECONDS = 30
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _take_turns_writing(engine: Engine) -> None:
    """SQLite lets one transaction write at a time; a waiting writer polls, sleeping up to
    100 ms between tries, so under load most of a booking's time was spent asleep with the
    database free. Here the process's writers queue on a lock instead and start as soon as the
    previous one commits. The lock is taken where pysqlite begins a transaction (before the
    first write; reads need no turn) and given back at commit or rollback. Other processes
    (the Celery worker) still wait through SQLite's busy timeout.
    """
    turn = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _wait_for_turn(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.info.get("writing") or not statement.lstrip().upper().startswith(_WRITES):
            return
        if not turn.acquire(timeout=SQLITE_WAIT_SECONDS):
            raise OperationalError(statement, None, Exception("database is locked"))
        conn.info["writing"] = True

    def _give_back(info: dict) -> None:
        if info.pop("writing", False):
            turn.release()

    event.listen(engine, "commit", lambda conn: _give_back(conn.info))
    event.listen(engine, "rollback", lambda conn: _give_back(conn.info))
    # A connection back in the pool has ended its transaction, however it was left.
    event.listen(engine, "checkin", lambda _dbapi, record: _give_back(record.info))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_WAIT_SECONDS},
            **POOL,
        )
        _take_turns_writing(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_WAIT_SECONDS * 1000}")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **POOL)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().sqlalchemy_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for tasks and CLIs: commit on success, roll back on error."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
