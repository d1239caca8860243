"""Consent and pre-intake records: the intake package writes here and in outbox.py only."""

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import Session

from core.crypto import decrypt, encrypt, rotate
from intake.models import Consent, IntakeStatistic, OutboxMessage, PreIntakeRecord
from intake.outbox import enqueue
from intake.record import VALIDATOR, build_record
from intake.screening import FIELDS
from intake.triage import TriageConfig, TriageResult, triage
from scheduler.bookings import cancel_booking, format_code
from scheduler.models import Booking, County

# Bumped whenever the consent text in the catalogs changes meaning; stored with every consent.
CONSENT_TEXT_VERSION = "2026-11-v1"


def record_consent(
    session: Session,
    county: County,
    conversation_id: str,
    *,
    given: bool,
    language: str,
    channel: str,
    now: datetime,
) -> Consent:
    consent = Consent(
        county_id=county.id,
        conversation_id=conversation_id,
        text_version=CONSENT_TEXT_VERSION,
        language=language,
        channel=channel,
        given=given,
        created_at=now,
    )
    session.add(consent)
    session.flush()
    return consent


def current_consent(session: Session, conversation_id: str) -> Consent | None:
    return session.scalar(
        select(Consent)
        .where(
            Consent.conversation_id == conversation_id,
            Consent.given.is_(True),
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.id.desc())
    )


def triage_config(county: County) -> TriageConfig:
    return TriageConfig.model_validate(county.triage or {})


def assess(county: County, answers: dict[str, Any]) -> TriageResult:
    return triage(triage_config(county), answers)


def _booking_section(booking: Booking) -> dict:
    location, manager = booking.location, booking.case_manager
    return {
        "code": format_code(booking.code or ""),
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "location": {
            "key": location.key,
            "name": location.name,
            "address": location.address,
            "room": location.room,
        },
        "case_manager": {"key": manager.key, "name": manager.name},
    }


def create_pre_intake(
    session: Session,
    county: County,
    *,
    conversation_id: str,
    consent: Consent,
    answers: dict[str, Any],
    booking: Booking | None,
    language: str,
    channel: str,
    source_office: str | None,
    now: datetime,
) -> PreIntakeRecord:
    """Triage, the record, and its outbox message, in the caller's transaction (the booking's)."""
    if not consent.given or consent.withdrawn_at is not None:
        raise PermissionError("no consent: nothing personal may be stored")
    result = assess(county, answers)
    record = build_record(
        county=county.slug,
        created_at=now,
        booking=_booking_section(booking) if booking else None,
        language=language,
        answers=answers,
        result=result,
        consent={
            "id": consent.id,
            "text_version": consent.text_version,
            "language": consent.language,
            "given_at": consent.created_at.isoformat(),
            "channel": consent.channel,
        },
        source_office=source_office,
        channel=channel,
    )
    row = PreIntakeRecord(
        county_id=county.id,
        booking_id=booking.id if booking else None,
        conversation_id=conversation_id,
        consent_id=consent.id,
        payload_encrypted=encrypt(json.dumps(record, ensure_ascii=False)),
        triage_outcome=result.outcome,
        triage_rule=result.rule.id,
        created_at=now,
    )
    session.add(row)
    session.add(
        IntakeStatistic(
            county_id=county.id,
            month=now.astimezone(ZoneInfo(county.timezone)).date().replace(day=1),
            booked=booking is not None,
            municipality_id=booking.municipality_id if booking else None,
            outcome=result.outcome,
            rule=result.rule.id,
            service=result.service.name if result.service else None,
            life_areas=",".join(
                code for code in answers.get("life_areas") or [] if code in FIELDS["life_areas"][1]
            ),
        )
    )
    session.flush()
    enqueue(session, row, now)
    return row


def record_of_booking(session: Session, booking: Booking) -> PreIntakeRecord | None:
    return session.scalar(
        select(PreIntakeRecord)
        .where(PreIntakeRecord.booking_id == booking.id)
        .order_by(PreIntakeRecord.created_at.desc())
        .limit(1)
    )


def read_record(record: PreIntakeRecord) -> dict[str, Any]:
    """The decrypted record. Callers on staff pages write an audit entry for every read."""
    return json.loads(decrypt(record.payload_encrypted))


def withdraw_and_delete(session: Session, conversation_id: str, now: datetime) -> int:
    """delete_my_data: consent withdrawn, records and their undelivered messages deleted."""
    session.execute(
        update(Consent)
        .where(Consent.conversation_id == conversation_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
    records = list(
        session.scalars(
            select(PreIntakeRecord).where(PreIntakeRecord.conversation_id == conversation_id)
        )
    )
    for record in records:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.record_id == record.id, OutboxMessage.status != "delivered")
            .values(status="cancelled")
        )
        session.delete(record)
    session.flush()
    return len(records)


# Records are needed until the first meeting and the case system has them; then they go.
RECORD_RETENTION = timedelta(days=30)
# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py): timestamp is a Unix time.
TRACKER_EVENTS_TABLE = "events"
TRACKER_RETENTION_DAYS = 30


def delete_expired_records(session: Session, now: datetime) -> int:
    """Deletes records `RECORD_RETENTION` after the appointment, or after delivery without one."""
    cutoff = now - RECORD_RETENTION
    expired = session.scalars(
        select(PreIntakeRecord)
        .outerjoin(Booking, PreIntakeRecord.booking_id == Booking.id)
        .outerjoin(OutboxMessage, OutboxMessage.record_id == PreIntakeRecord.id)
        .where(
            ((Booking.id.is_not(None)) & (Booking.starts_at < cutoff))
            | (
                (Booking.id.is_(None))
                & (OutboxMessage.status == "delivered")
                & (OutboxMessage.delivered_at < cutoff)
            )
        )
    ).all()
    for record in expired:
        session.delete(record)
    session.flush()
    return len(expired)


def forget_conversation(session: Session, conversation_id: str, now: datetime) -> dict[str, int]:
    """delete_my_data: bookings cancelled, holds released, records deleted, consent withdrawn.

    The consent rows stay (with their withdrawal) as proof; they hold no answers.
    """
    bookings = list(
        session.scalars(
            select(Booking).where(
                Booking.conversation_id == conversation_id,
                Booking.status.in_(("held", "confirmed")),
            )
        )
    )
    for booking in bookings:
        if booking.status == "held":
            booking.status = "released"
        else:
            cancel_booking(session, booking, now, "deleted_on_request")
    records = withdraw_and_delete(session, conversation_id, now)
    return {"bookings": len(bookings), "records": records}


def rotate_data_keys(session: Session) -> int:
    """Re-encrypts every stored record with the first key of DATA_KEYS (see core/crypto.py)."""
    records = session.scalars(select(PreIntakeRecord)).all()
    for record in records:
        record.payload_encrypted = rotate(record.payload_encrypted)
    session.flush()
    return len(records)


def delete_old_tracker_events(session: Session, now: datetime, days: int) -> int:
    """Rasa's SQL tracker store keeps every message as text: events older than `days` go.

    Only where the tracker store shares this database (docker-compose); the local Rasa keeps
    conversations in memory, and nothing is there to delete.
    """
    if not inspect(session.connection()).has_table(TRACKER_EVENTS_TABLE):
        return 0
    cutoff = (now - timedelta(days=days)).timestamp()
    return session.execute(
        text(f"DELETE FROM {TRACKER_EVENTS_TABLE} WHERE timestamp < :cutoff"), {"cutoff": cutoff}
    ).rowcount


def move_pre_intake(
    session: Session, old_booking: Booking, new_booking: Booking, now: datetime
) -> PreIntakeRecord | None:
    """A moved or handed-over booking: the case system gets the record again with the new
    time, place or case manager, marked as replacing the old one; the old row goes (nothing
    is kept twice)."""
    old = session.scalar(
        select(PreIntakeRecord).where(PreIntakeRecord.booking_id == old_booking.id)
    )
    if old is None:
        return None
    payload = json.loads(decrypt(old.payload_encrypted))
    payload |= {
        "record_id": str(uuid.uuid4()),
        "replaces": payload["record_id"],
        "created_at": now.isoformat(),
        "booking": _booking_section(new_booking),
    }
    VALIDATOR.validate(payload)
    moved = PreIntakeRecord(
        county_id=old.county_id,
        booking_id=new_booking.id,
        conversation_id=old.conversation_id,
        consent_id=old.consent_id,
        payload_encrypted=encrypt(json.dumps(payload, ensure_ascii=False)),
        triage_outcome=old.triage_outcome,
        triage_rule=old.triage_rule,
        created_at=now,
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.record_id == old.id, OutboxMessage.status == "pending")
        .values(status="cancelled")
    )
    session.delete(old)
    session.flush()  # first: a hand-over keeps the booking, and a booking has one record
    session.add(moved)
    session.flush()
    enqueue(session, moved, now)
    return moved
