"""Migrations build the schema from nothing, match the models, and can be rolled back."""

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import conversations.models  # noqa: F401
import core.models  # noqa: F401
import faq.models  # noqa: F401
import scheduler.models  # noqa: F401
from core.db import Base, make_engine
from core.settings import get_settings
from tests.support.databases import drop_database, new_database_url
from tests.support.helpers import alembic_config


@pytest.fixture
def empty_database_url():
    url = new_database_url(os.environ.get("TEST_DATABASE_URL"), get_settings().var_dir)
    yield url
    drop_database(url)


def _sqlalchemy(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def test_upgrade_on_an_empty_database_creates_every_table(empty_database_url):
    url = _sqlalchemy(empty_database_url)
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == [], (
            f"models and migrations differ; run alembic revision --autogenerate: {diff}"
        )
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(empty_database_url):
    url = _sqlalchemy(empty_database_url)
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    command.upgrade(config, "head")


def test_the_suite_runs_on_the_backend_it_was_asked_for():
    expected = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert get_settings().sqlalchemy_url.startswith(expected)
