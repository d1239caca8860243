"""Liveness always answers; readiness names the dependency that is down."""

from core.settings import get_settings
from tests.support.helpers import closed_port


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_503_and_names_rasa_and_actions_when_they_are_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["broker"]["ok"] is True
    assert checks["rasa"]["ok"] is False
    assert checks["actions"]["ok"] is False
    assert "ConnectError" in checks["rasa"]["detail"]


def test_readyz_reports_a_broker_that_is_down(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "redis_url", f"redis://127.0.0.1:{closed_port()}/0")
    checks = client.get("/readyz").json()["checks"]
    assert checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_readyz_reports_a_missing_county(client, monkeypatch):
    monkeypatch.setattr(get_settings(), "county", "nowhere")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "nowhere" in response.json()["checks"]["database"]["detail"]
