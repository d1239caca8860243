"""Records reach the case system exactly once, signed; past 24 hours of failures they wait as
dead letters until re-driven. Nothing is stored without consent; withdrawal deletes."""

import json
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.crypto import decrypt
from core.db import utcnow
from intake.adapters import FileAdapter, WebhookAdapter
from intake.models import OutboxMessage, PreIntakeRecord
from intake.outbox import deliver_due, redrive
from intake.record import VALIDATOR
from intake.service import (
    create_pre_intake,
    delete_expired_records,
    record_consent,
    withdraw_and_delete,
)
from scheduler.models import County
from tests.support.case_system import SECRET, Receiver

ANSWERS = {
    "age": 34,
    "household": "family",
    "children": 2,
    "residence_status": "temporary_protection",
    "life_areas": ["housing", "language"],
    "interpreter": "yes",
    "note": "Мы живем в общежитии",
}


@pytest.fixture
def receiver():
    servers: list[Receiver] = []

    def start(failures: int = 0) -> Receiver:
        servers.append(Receiver(failures))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(autouse=True)
def only_this_tests_messages(session):
    """Earlier tests (e2e bookings) leave pending messages; this test's session sets them
    aside and rolls that back at the end, so each test delivers only its own."""
    session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "pending").values(status="parked")
    )


def new_record(session, county: County, answers=ANSWERS) -> PreIntakeRecord:
    conversation = uuid.uuid4().hex
    now = utcnow()
    consent = record_consent(
        session, county, conversation, given=True, language="ru", channel="whatsapp", now=now
    )
    return create_pre_intake(
        session, county, conversation_id=conversation, consent=consent, answers=answers,
        booking=None, language="ru", channel="whatsapp", source_office="buergerbuero-brakel",
        now=now,
    )  # fmt: skip


def outbox_of(session, record) -> OutboxMessage:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.record_id == record.id))


def test_the_record_is_schema_valid_encrypted_and_keeps_free_text_in_its_language(session, county):
    record = new_record(session, county)
    assert "общежитии" not in record.payload_encrypted
    payload = json.loads(decrypt(record.payload_encrypted))
    VALIDATOR.validate(payload)
    assert payload["language"] == {"code": "ru", "name_de": "Russisch", "interpreter_needed": True}
    assert payload["screening"]["residence_status"] == {
        "code": "temporary_protection",
        "label_de": "vorübergehender Schutz (§ 24 AufenthG)",
    }
    assert payload["screening"]["note"] == {"text": "Мы живем в общежитии", "language": "ru"}
    assert payload["source"] == {"office": "buergerbuero-brakel", "channel": "whatsapp"}
    assert payload["triage"]["rule"] == record.triage_rule


def test_a_failing_receiver_gets_the_record_exactly_once_once_it_recovers(
    session, county, receiver
):
    case_system = receiver(failures=3)
    record = new_record(session, county)
    adapter = WebhookAdapter(case_system.url, SECRET)
    now = utcnow()
    for _ in range(6):
        deliver_due(session, lambda county_id: adapter, now)
        now += timedelta(hours=2)  # later than any backoff
    message = outbox_of(session, record)
    assert (message.status, message.attempts) == ("delivered", 4)
    assert len(case_system.requests) == 4
    assert {r["key"] for r in case_system.requests} == {message.idempotency_key}
    assert all(r["signed"] for r in case_system.requests)
    assert list(case_system.records) == [message.idempotency_key]
    assert case_system.records[message.idempotency_key]["triage"]["rule"] == record.triage_rule


def test_after_24_hours_of_failures_the_message_is_a_dead_letter_until_redriven(
    session, county, receiver
):
    down = receiver(failures=1000)
    record = new_record(session, county)
    message = outbox_of(session, record)
    adapter = WebhookAdapter(down.url, SECRET)
    deliver_due(session, lambda county_id: adapter, message.created_at)
    assert message.status == "pending" and message.next_attempt_at > message.created_at
    deliver_due(session, lambda county_id: adapter, message.created_at + timedelta(hours=25))
    assert message.status == "dead" and "503" in message.last_error

    back = receiver(failures=0)
    redrive(session, message, utcnow())
    deliver_due(session, lambda county_id: WebhookAdapter(back.url, SECRET), utcnow())
    assert message.status == "delivered"
    assert list(back.records) == [message.idempotency_key]


def test_file_adapter_writes_one_complete_file_per_record(session, county, tmp_path):
    record = new_record(session, county)
    adapter = FileAdapter(tmp_path / "import")
    deliver_due(session, lambda county_id: adapter, utcnow())
    message = outbox_of(session, record)
    files = list((tmp_path / "import").iterdir())
    assert [f.name for f in files] == [f"{message.idempotency_key}.json"]
    VALIDATOR.validate(json.loads(files[0].read_text()))


def test_no_record_without_consent_and_withdrawal_deletes(session, county):
    conversation = uuid.uuid4().hex
    refused = record_consent(
        session, county, conversation, given=False, language="de", channel="web", now=utcnow()
    )
    with pytest.raises(PermissionError):
        create_pre_intake(
            session, county, conversation_id=conversation, consent=refused, answers=ANSWERS,
            booking=None, language="de", channel="web", source_office=None, now=utcnow(),
        )  # fmt: skip

    record = new_record(session, county)
    message = outbox_of(session, record)
    assert withdraw_and_delete(session, record.conversation_id, utcnow()) == 1
    assert session.get(PreIntakeRecord, record.id) is None
    session.refresh(message)
    assert message.status == "cancelled"


def test_the_schema_is_published_and_is_a_draft_2020_12_schema(client):
    response = client.get("/api/v1/schemas/pre-intake.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    VALIDATOR.check_schema(schema)


def test_records_are_deleted_30_days_after_delivery_and_not_before(session, county):
    record = new_record(session, county)
    message = outbox_of(session, record)
    deliver_due(session, lambda county_id: FileAdapter(Path(tempfile.mkdtemp())), utcnow())
    assert message.status == "delivered"
    delete_expired_records(session, message.delivered_at + timedelta(days=29))
    assert session.get(PreIntakeRecord, record.id) is not None
    delete_expired_records(session, message.delivered_at + timedelta(days=31))
    assert session.get(PreIntakeRecord, record.id) is None
    session.refresh(message)
    assert message.status == "delivered"  # the delivery history stays, without the record


def test_rotating_keys_reencrypts_every_record_and_old_keys_still_read(session, county):
    import base64
    import secrets

    from core import crypto
    from core.settings import get_settings
    from intake.service import rotate_data_keys

    record = new_record(session, county)
    plain = decrypt(record.payload_encrypted)
    settings = get_settings()
    old_keys = settings.data_keys
    new_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    try:
        settings.data_keys = type(old_keys)(f"{new_key},{old_keys.get_secret_value()}")
        crypto._fernet.cache_clear()
        before = record.payload_encrypted
        assert rotate_data_keys(session) >= 1
        assert record.payload_encrypted != before and decrypt(record.payload_encrypted) == plain
        settings.data_keys = type(old_keys)(new_key)  # the old key is gone: still readable
        crypto._fernet.cache_clear()
        assert decrypt(record.payload_encrypted) == plain
    finally:
        settings.data_keys = old_keys
        crypto._fernet.cache_clear()


def test_old_rasa_tracker_events_are_deleted_and_recent_ones_kept(session):
    """The table as Rasa's SQLTrackerStore creates it (rasa/core/tracker_store.py)."""
    from sqlalchemy import text

    from intake.service import delete_old_tracker_events

    assert delete_old_tracker_events(session, utcnow(), 30) == 0  # no tracker store here
    session.execute(
        text(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
            "type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
    )
    try:
        now = utcnow()
        for row_id, age_days, sender in ((1, 40, "old"), (2, 2, "recent")):
            session.execute(
                text("INSERT INTO events (id, sender_id, timestamp) VALUES (:id, :s, :t)"),
                {"id": row_id, "s": sender, "t": (now - timedelta(days=age_days)).timestamp()},
            )
        assert delete_old_tracker_events(session, now, 30) == 1
        assert session.execute(text("SELECT sender_id FROM events")).scalars().all() == ["recent"]
    finally:
        session.rollback()
        session.execute(text("DROP TABLE IF EXISTS events"))
        session.commit()
