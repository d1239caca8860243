"""Holds and bookings: every write to the bookings table happens here.

No double booking, on PostgreSQL and SQLite alike: a write first bumps the case manager's
`lock_version` (a row lock on PostgreSQL, SQLite's write lock), then checks for overlaps, then
inserts; the partial unique index on (case manager, start) of active bookings is the backstop.
A conflict becomes `SlotTaken`, never an error 500.
"""

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.models import Booking, CaseManager, County, Municipality
from scheduler.slots import (
    Slot,
    active_bookings_filter,
    offered_slot,
    parse_slot_key,
    rules_of,
)

# No look-alikes: without 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8


class BookingError(Exception):
    """Something the resident is told about in their language; `reason` names the text."""

    reason = "error"


class SlotTaken(BookingError):
    reason = "slot_taken"


class HoldExpired(BookingError):
    reason = "hold_expired"


class UnknownHold(BookingError):
    reason = "unknown_hold"


class AlreadyBooked(BookingError):
    reason = "already_booked"

    def __init__(self, booking: Booking) -> None:
        super().__init__(booking.code)
        self.booking = booking


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


_CODE_PATTERN = re.compile(
    rf"(?<![A-Z0-9])([{CODE_ALPHABET}]{{4}})[\s-]?([{CODE_ALPHABET}]{{4}})(?![A-Z0-9])"
)


def find_code(text: str) -> str | None:
    """A booking code inside whatever the resident typed ("my code is k7qm 4xpz")."""
    match = _CODE_PATTERN.search(text.upper())
    return match.group(1) + match.group(2) if match else None


def active_booking(
    session: Session, conversation_id: str, service: str = "intake"
) -> Booking | None:
    return session.scalar(
        select(Booking).where(
            Booking.conversation_id == conversation_id,
            Booking.service == service,
            Booking.status == "confirmed",
        )
    )


def booking_by_code(session: Session, code: str) -> Booking | None:
    normalised = find_code(code)
    if normalised is None:
        return None
    return session.scalar(select(Booking).where(Booking.code == normalised))


def _lock_case_manager(session: Session, case_manager_id: int) -> None:
    session.execute(
        update(CaseManager)
        .where(CaseManager.id == case_manager_id)
        .values(lock_version=CaseManager.lock_version + 1)
    )


def _busy(
    session: Session, case_manager_id: int, starts_at: datetime, ends_at: datetime, now: datetime
) -> bool:
    """Whether an active booking of this case manager overlaps the time (call under the lock)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Booking.case_manager_id == case_manager_id,
                    Booking.starts_at < ends_at,
                    Booking.ends_at > starts_at,
                    active_bookings_filter(now),
                )
            )
        )
    )


def hold_slot(
    session: Session,
    county: County,
    conversation_id: str,
    slot_key: str,
    *,
    language: str,
    channel: str,
    municipality: Municipality | None,
    now: datetime,
    replaces: Booking | None = None,
) -> Booking:
    """Reserves a slot for `hold_minutes` while the resident answers the last questions."""
    key = parse_slot_key(slot_key)
    slot: Slot | None = offered_slot(session, county, key, now) if key else None
    if slot is None:
        raise SlotTaken(slot_key)
    current = active_booking(session, conversation_id, slot.service)
    if current is not None and (replaces is None or current.id != replaces.id):
        raise AlreadyBooked(current)

    _lock_case_manager(session, slot.case_manager_id)
    # The resident's own earlier holds go: one slot at a time per conversation.
    session.execute(
        update(Booking)
        .where(Booking.conversation_id == conversation_id, Booking.status == "held")
        .values(status="released")
    )
    # Lazy expiry: stale holds of this case manager no longer block anything.
    session.execute(
        update(Booking)
        .where(
            Booking.case_manager_id == slot.case_manager_id,
            Booking.status == "held",
            Booking.hold_expires_at <= now,
        )
        .values(status="expired")
    )
    if _busy(session, slot.case_manager_id, slot.starts_at, slot.ends_at, now):
        raise SlotTaken(slot_key)
    booking = Booking(
        county_id=county.id,
        conversation_id=conversation_id,
        service=slot.service,
        location_id=slot.location_id,
        case_manager_id=slot.case_manager_id,
        municipality_id=municipality.id if municipality else None,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status="held",
        language=language,
        channel=channel,
        hold_token=secrets.token_urlsafe(24),
        hold_expires_at=now + timedelta(minutes=rules_of(county).hold_minutes),
        replaces_id=replaces.id if replaces else None,
        created_at=now,
    )
    session.add(booking)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise SlotTaken(slot_key) from error
    return booking


def confirm_hold(session: Session, hold_token: str, now: datetime) -> Booking:
    """Turns a hold into a booking with a code. A second confirm returns the same booking."""
    booking = session.scalar(select(Booking).where(Booking.hold_token == hold_token))
    if booking is None:
        raise UnknownHold(hold_token)
    if booking.status == "confirmed":
        return booking
    if booking.status != "held" or booking.hold_expires_at <= now:
        raise HoldExpired(hold_token)

    _lock_case_manager(session, booking.case_manager_id)
    if booking.replaces_id is not None:
        session.execute(
            update(Booking)
            .where(Booking.id == booking.replaces_id, Booking.status == "confirmed")
            .values(status="cancelled", cancelled_at=now, cancel_reason="rescheduled")
        )
    code = new_code()
    while session.scalar(select(exists().where(Booking.code == code))):
        code = new_code()
    try:
        changed = session.execute(
            update(Booking)
            .where(
                Booking.id == booking.id,
                Booking.status == "held",
                Booking.hold_expires_at > now,
            )
            .values(status="confirmed", code=code, confirmed_at=now)
        ).rowcount
    except IntegrityError as error:
        # Another booking of this conversation was confirmed meanwhile.
        session.rollback()
        current = active_booking(session, booking.conversation_id, booking.service)
        if current is None:
            raise
        raise AlreadyBooked(current) from error
    session.refresh(booking)
    if changed == 0 and booking.status != "confirmed":
        raise HoldExpired(hold_token)
    return booking


def release_hold(session: Session, hold_token: str) -> None:
    session.execute(
        update(Booking)
        .where(Booking.hold_token == hold_token, Booking.status == "held")
        .values(status="released")
    )


def cancel_booking(session: Session, booking: Booking, now: datetime, reason: str) -> Booking:
    """Cancelled bookings free their slot and get no reminder. Cancelling twice is harmless."""
    if booking.status == "confirmed":
        booking.status = "cancelled"
        booking.cancelled_at = now
        booking.cancel_reason = reason
        session.flush()
    return booking


def mark_attended(session: Session, booking: Booking, now: datetime) -> Booking:
    """The resident came: a feedback question follows (scheduler.tasks.send_feedback_requests)."""
    if booking.status == "confirmed":
        booking.status = "attended"
        booking.attended_at = now
        booking.feedback_token = secrets.token_urlsafe(24)
        session.flush()
    return booking


def mark_no_show(session: Session, booking: Booking, now: datetime) -> Booking:
    if booking.status == "confirmed":
        booking.status = "no_show"
        booking.no_show_at = now
        session.flush()
    return booking


def hand_over(session: Session, booking: Booking, colleague: CaseManager, now: datetime) -> Booking:
    """A colleague takes the appointment over, if they are free then (same lock as a hold)."""
    if booking.status != "confirmed" or colleague.id == booking.case_manager_id:
        return booking
    _lock_case_manager(session, colleague.id)
    if _busy(session, colleague.id, booking.starts_at, booking.ends_at, now):
        raise SlotTaken(booking.code or "")
    booking.case_manager = colleague
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise SlotTaken(booking.code or "") from error
    return booking


def expire_holds(session: Session, now: datetime) -> int:
    """The periodic half of hold expiry (the other half happens lazily in hold_slot)."""
    return session.execute(
        update(Booking)
        .where(Booking.status == "held", Booking.hold_expires_at <= now)
        .values(status="expired")
    ).rowcount
