"""SQLAlchemy 2 engine, sessions and the declarative base every domain model uses."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **POOL,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **POOL)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().sqlalchemy_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@lru_cache
def get_autocommit_sessionmaker() -> sessionmaker[Session]:
    """Sessions whose every statement is its own transaction, on the same pool.

    For a unit of work that only reads, or writes with one statement: each chat message's
    conversation row, Rasa's questions to the api. A transaction there adds BEGIN and COMMIT,
    two of a read's four round trips to PostgreSQL (the pool's check is another), and an
    autocommit session ends without I/O, so the api ends it on the event loop. Reads see the
    same data: PostgreSQL's default (READ COMMITTED) takes a fresh snapshot for every
    statement anyway.
    """
    engine = get_engine().execution_options(isolation_level="AUTOCOMMIT")
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(autocommit: bool = False) -> Iterator[Session]:
    """A unit of work for tasks and CLIs: commit on success, roll back on error."""
    session = (get_autocommit_sessionmaker() if autocommit else get_sessionmaker())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
