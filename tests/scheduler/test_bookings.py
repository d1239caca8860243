"""Holds and bookings: no double booking, idempotent confirm, expiry, one booking per person."""

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import get_sessionmaker
from scheduler.bookings import (
    CODE_ALPHABET,
    AlreadyBooked,
    HoldExpired,
    SlotTaken,
    booking_by_code,
    cancel_booking,
    confirm_hold,
    expire_holds,
    find_code,
    format_code,
    hold_slot,
)
from scheduler.models import Booking, County, Municipality
from scheduler.slots import search_slots
from tests.scheduler.conftest import SATURDAY_BEFORE_SPRING as NOW


def nordstadt(session, county):
    return session.scalar(
        select(Municipality).where(
            Municipality.county_id == county.id, Municipality.slug == "nordstadt"
        )
    )


def first_slots(session, county, count=2):
    return search_slots(session, county, nordstadt(session, county), NOW).slots[:count]


def hold(session, county, slot, conversation=None, now=NOW, **kwargs):
    return hold_slot(
        session,
        county,
        conversation or uuid.uuid4().hex,
        slot.key,
        language="ar",
        channel="web",
        municipality=nordstadt(session, county),
        now=now,
        **kwargs,
    )


def test_hold_then_confirm_gives_a_readable_code_and_confirming_again_changes_nothing(
    session, test_county
):
    slot = first_slots(session, test_county)[0]
    held = hold(session, test_county, slot)
    assert held.status == "held"
    assert held.hold_expires_at == NOW + timedelta(minutes=10)

    booked = confirm_hold(session, held.hold_token, NOW + timedelta(minutes=3))
    assert booked.status == "confirmed"
    assert len(booked.code) == 8 and set(booked.code) <= set(CODE_ALPHABET)
    assert format_code(booked.code)[4] == "-"
    again = confirm_hold(session, held.hold_token, NOW + timedelta(minutes=4))
    assert (again.id, again.code) == (booked.id, booked.code)
    assert booking_by_code(session, format_code(booked.code).lower()).id == booked.id


def test_a_held_slot_is_not_offered_to_others_and_cannot_be_held_twice(session, test_county):
    slot = first_slots(session, test_county)[0]
    hold(session, test_county, slot)
    assert (
        slot not in search_slots(session, test_county, nordstadt(session, test_county), NOW).slots
    )
    with pytest.raises(SlotTaken):
        hold(session, test_county, slot)


def test_an_expired_hold_frees_the_slot_and_cannot_be_confirmed(session, test_county):
    slot = first_slots(session, test_county)[0]
    first = hold(session, test_county, slot)
    later = NOW + timedelta(minutes=11)
    # Lazily on read: the slot is offered again before any task ran.
    assert slot in search_slots(session, test_county, nordstadt(session, test_county), later).slots
    second = hold(session, test_county, slot, now=later)
    assert second.status == "held"
    with pytest.raises(HoldExpired):
        confirm_hold(session, first.hold_token, later)


def test_the_periodic_task_expires_stale_holds(session, test_county):
    slot = first_slots(session, test_county)[0]
    held = hold(session, test_county, slot)
    expire_holds(session, NOW + timedelta(minutes=5))
    session.refresh(held)
    assert held.status == "held"
    assert expire_holds(session, NOW + timedelta(minutes=10)) >= 1
    session.refresh(held)
    assert held.status == "expired"


def test_one_active_intake_booking_per_person_and_rescheduling_moves_it(session, test_county):
    first, second = first_slots(session, test_county)
    conversation = uuid.uuid4().hex
    booked = confirm_hold(session, hold(session, test_county, first, conversation).hold_token, NOW)
    with pytest.raises(AlreadyBooked) as refused:
        hold(session, test_county, second, conversation)
    assert refused.value.booking.id == booked.id

    moved = confirm_hold(
        session,
        hold(session, test_county, second, conversation, replaces=booked).hold_token,
        NOW,
    )
    session.refresh(booked)
    assert (booked.status, booked.cancel_reason) == ("cancelled", "rescheduled")
    assert moved.status == "confirmed" and moved.code != booked.code
    # The old slot is free again.
    assert first in search_slots(session, test_county, nordstadt(session, test_county), NOW).slots


def test_cancelling_frees_the_slot(session, test_county):
    slot = first_slots(session, test_county)[0]
    booked = confirm_hold(session, hold(session, test_county, slot).hold_token, NOW)
    cancel_booking(session, booked, NOW, "resident")
    assert booked.status == "cancelled"
    assert hold(session, test_county, slot).status == "held"


def test_a_forged_or_unknown_slot_key_is_refused(session, test_county):
    slot = first_slots(session, test_county)[0]
    for key in ("nonsense", slot.key.replace("0800", "0815"), slot.key.replace("intake", "other")):
        with pytest.raises(SlotTaken):
            hold_slot(
                session,
                test_county,
                "x",
                key,
                language="de",
                channel="web",
                municipality=None,
                now=NOW,
            )


def test_codes_are_found_in_what_residents_type():
    assert find_code("mein code ist k7qm 4xpt bitte") == "K7QM4XPT"
    assert find_code("K7QM-4XPT") == "K7QM4XPT"
    assert find_code("hallo") is None
    assert find_code("K7QM-4XP0") is None  # 0 is not in the alphabet


def test_fifty_residents_confirming_the_same_slot_at_once_get_one_booking(test_county):
    """Each thread has its own database session, as concurrent api requests have."""
    with get_sessionmaker()() as session:
        county = session.get(County, test_county.id)
        slot = first_slots(session, county)[0]
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def resident() -> None:
        with get_sessionmaker()() as session:
            county = session.get(County, test_county.id)
            # Give the connection back while waiting: the pool has fewer than 50.
            session.rollback()
            barrier.wait()
            try:
                held = hold(session, county, slot)
                confirm_hold(session, held.hold_token, NOW)
                session.commit()
                outcomes.append("booked")
            except SlotTaken:
                session.rollback()
                outcomes.append("taken")

    threads = [threading.Thread(target=resident) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(outcomes)) == ["booked", "taken"]
    assert (outcomes.count("booked"), len(outcomes)) == (1, 50)
    with get_sessionmaker()() as session:
        active = session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.case_manager_id == slot.case_manager_id,
                Booking.starts_at == slot.starts_at,
                Booking.status.in_(("held", "confirmed")),
            )
        )
    assert active == 1
