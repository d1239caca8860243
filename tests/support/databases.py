"""Throw-away databases: a SQLite file, or a fresh database on a PostgreSQL server."""

import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


def create_postgres_database(server_url: str) -> str:
    url = make_url(server_url)
    name = f"kim_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(url.set(drivername="postgresql")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url: str) -> None:
    url = make_url(database_url)
    maintenance = url.set(database="postgres")
    with psycopg.connect(_libpq(maintenance), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def new_database_url(server_url: str | None, directory: Path) -> str:
    if server_url:
        return create_postgres_database(server_url)
    return f"sqlite:///{directory / f'kim-{uuid.uuid4().hex[:8]}.sqlite'}"


def drop_database(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        drop_postgres_database(database_url)


def _libpq(url) -> str:  # type: ignore[no-untyped-def]
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
