"""Test environment: set before any app module reads its settings.

Every run gets its own database: a SQLite file in a temp directory, or, when TEST_DATABASE_URL
names a PostgreSQL server (CI: `make test-postgres`), a fresh database on it, dropped at the end.
TEST_REDIS_URL switches the Celery broker from the embedded one to Redis.
"""

import base64
import os
import secrets
import tempfile
from pathlib import Path

from tests.support import telegram_api, twilio_api
from tests.support.databases import drop_database, new_database_url
from tests.support.helpers import alembic_config, closed_port

TMP = Path(tempfile.mkdtemp(prefix="kim-tests-"))
DATABASE_URL = new_database_url(os.environ.get("TEST_DATABASE_URL"), TMP)
os.environ.update(
    {
        "KIM_ENV": "test",
        "KIM_VAR_DIR": str(TMP),
        "KIM_COUNTY": "hoexter",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", ""),
        "INTERNAL_TOKEN": secrets.token_urlsafe(24),
        "PSEUDONYM_PEPPER": secrets.token_urlsafe(24),
        "DATA_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "RASA_URL": f"http://127.0.0.1:{closed_port()}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{closed_port()}",
        # WhatsApp, SMS and Telegram: webhooks are checked against these (also in the e2e api);
        # sending stays in local mode (no account SID, no bot token) and could reach nobody.
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": twilio_api.AUTH_TOKEN,
        "TWILIO_API_BASE": f"http://127.0.0.1:{closed_port()}",
        "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_SECRET_TOKEN": telegram_api.SECRET_TOKEN,
        "TELEGRAM_API_BASE": f"http://127.0.0.1:{closed_port()}",
    }
)

import pytest  # noqa: E402
from alembic import command  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.cli import load_county_with_content  # noqa: E402
from core.db import get_engine, get_sessionmaker  # noqa: E402
from core.settings import Settings, get_settings  # noqa: E402
from scheduler.models import County  # noqa: E402


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    get_engine().dispose()
    drop_database(DATABASE_URL)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session", autouse=True)
def migrated_database(settings: Settings) -> str:
    command.upgrade(alembic_config(settings.sqlalchemy_url), "head")
    return settings.sqlalchemy_url


@pytest.fixture(scope="session")
def county(migrated_database: str, settings: Settings) -> County:
    """The demo county with its FAQ content, loaded the way `make demo` loads it."""
    with get_sessionmaker()() as session:
        county, _ = load_county_with_content(session, settings.counties_dir / "hoexter.yml")
        session.commit()
        return county


@pytest.fixture
def session(migrated_database: str) -> Session:
    with get_sessionmaker()() as session:
        yield session
        session.rollback()


@pytest.fixture(scope="module")
def client(county: County) -> TestClient:
    from api.main import app

    with TestClient(app) as test_client:
        yield test_client
