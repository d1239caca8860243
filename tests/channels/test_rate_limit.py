"""A sender who writes too fast is told to wait, in their language; others are not affected."""

import os
import uuid

import pytest

from api.channels import dialogue
from api.channels.limits import RateLimiter


@pytest.fixture
def limit_of_two(monkeypatch):  # type: ignore[no-untyped-def]
    """Counted in Redis in the PostgreSQL pass (TEST_REDIS_URL), in memory otherwise."""
    limiter = RateLimiter(2, os.environ.get("TEST_REDIS_URL") or None)
    monkeypatch.setattr(dialogue, "rate_limiter", lambda: limiter)
    return limiter


def say(client, sender: str, text: str = "مرحبا", language: str | None = "ar"):  # type: ignore[no-untyped-def]
    body = {"sender_id": sender, "text": text, "language": language}
    return client.post("/api/v1/chat", json=body)


def test_the_third_message_in_a_minute_is_refused_in_arabic(client, limit_of_two):
    sender = f"web-{uuid.uuid4().hex}"
    # Rasa is not running in these tests: the first two reach the dialogue and say so (503).
    assert [say(client, sender).status_code for _ in range(2)] == [503, 503]
    refused = say(client, sender)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_messages"
    assert refused.json()["message"].startswith("أنت تكتب بسرعة")
    # Another resident writes on.
    assert say(client, f"web-{uuid.uuid4().hex}").status_code == 503


def test_the_window_counts_per_sender():
    limiter = RateLimiter(3)
    key = uuid.uuid4().hex
    assert [limiter.allow(key) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow(uuid.uuid4().hex)
