import pytest
from pydantic import ValidationError

from core.settings import Settings


def make(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def test_embedded_defaults_need_no_server(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "REDIS_URL", "KIM_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KIM_VAR_DIR", str(tmp_path))
    settings = make()
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'kim.sqlite'}"
    assert settings.celery_broker_url == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite'}"
    assert settings.celery_result_backend.startswith("db+sqlite:///")


def test_postgres_url_gets_the_psycopg3_driver(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://kim:secret@db:5432/kim")
    assert make().sqlalchemy_url == "postgresql+psycopg://kim:secret@db:5432/kim"


def test_redis_url_switches_celery_to_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = make()
    assert settings.celery_broker_url == "redis://cache:6379/0"
    assert settings.celery_result_backend == "redis://cache:6379/0"


def test_production_refuses_to_start_without_secrets(monkeypatch):
    monkeypatch.setenv("KIM_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://kim@db/kim")
    monkeypatch.setenv("INTERNAL_TOKEN", "")
    monkeypatch.setenv("PSEUDONYM_PEPPER", "short")
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN, PSEUDONYM_PEPPER"):
        make()


def test_production_requires_a_database_server(monkeypatch):
    monkeypatch.setenv("KIM_ENV", "production")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INTERNAL_TOKEN", "x" * 32)
    monkeypatch.setenv("PSEUDONYM_PEPPER", "y" * 32)
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        make()


def test_base_url_follows_the_api_port_unless_public_url_is_set(monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("API_PORT", "8123")
    assert make().base_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("PUBLIC_URL", "https://kim.kreis-hoexter.example/")
    assert make().base_url == "https://kim.kreis-hoexter.example"
