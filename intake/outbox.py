"""The outbox: records wait here until the case system has them (writes happen here only).

A record is written in the same transaction as the booking, so neither exists without the
other. Delivery retries with exponential backoff and jitter for 24 hours, then the message is
dead-lettered; an admin re-drives it once the case system is back.
"""

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.crypto import decrypt
from intake.adapters import Adapter, DeliveryFailed
from intake.models import OutboxMessage, PreIntakeRecord

RETRY_WINDOW = timedelta(hours=24)
FIRST_RETRY_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 2 min ... up to an hour, each drawn from its upper half (jitter)."""
    ceiling = min(LONGEST_WAIT_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def enqueue(session: Session, record: PreIntakeRecord, now: datetime) -> OutboxMessage:
    message = OutboxMessage(
        record_id=record.id,
        idempotency_key=secrets.token_hex(16),
        status="pending",
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


def deliver_due(
    session: Session, adapter_for_county: Callable[[int], Adapter], now: datetime
) -> DeliveryRun:
    """Delivers every pending message whose time has come; each outcome is committed at once."""
    run = DeliveryRun()
    due = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for message in due:
        record = session.get(PreIntakeRecord, message.record_id) if message.record_id else None
        if record is None:  # deleted on the resident's request: nothing left to deliver
            message.status = "cancelled"
            continue
        message.attempts += 1
        try:
            adapter_for_county(record.county_id).deliver(
                decrypt(record.payload_encrypted).encode(), message.idempotency_key
            )
        except DeliveryFailed as error:
            message.last_error = str(error)[:500]
            if now - message.created_at >= RETRY_WINDOW:
                message.status = "dead"
                run.dead += 1
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                run.failed += 1
        else:
            message.status = "delivered"
            message.delivered_at = now
            message.last_error = None
            run.delivered += 1
    session.flush()
    return run


def redrive(session: Session, message: OutboxMessage, now: datetime) -> OutboxMessage:
    """A dead letter gets a new 24-hour window (same idempotency key: still delivered once)."""
    if message.status == "dead":
        message.status = "pending"
        message.created_at = now
        message.next_attempt_at = now
        session.flush()
    return message


def dead_letters(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")))
