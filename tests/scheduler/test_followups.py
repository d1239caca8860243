"""Reminders before the appointment, feedback after it, calendar files in between."""

import uuid
from datetime import timedelta

import icalendar
from sqlalchemy import func, select

from conversations.models import Conversation, OutboundMessage
from conversations.service import record_message
from scheduler.bookings import cancel_booking, confirm_hold, format_code, hold_slot, mark_attended
from scheduler.calendars import booking_ics, case_manager_feed
from scheduler.followups import (
    booking_for_feedback,
    record_feedback,
    send_due_reminders,
    send_feedback_requests,
)
from scheduler.models import FeedbackResponse
from scheduler.slots import search_slots
from tests.scheduler.conftest import SATURDAY_BEFORE_SPRING as NOW
from tests.scheduler.test_bookings import nordstadt

BASE_URL = "https://kim.example.org"


def booked(session, county, channel="whatsapp", language="ar"):
    conversation_id = uuid.uuid4().hex
    record_message(session, conversation_id, channel, "مرحبا", language, None, ["de", "ar"], "de")
    slot = search_slots(session, county, nordstadt(session, county), NOW).slots[0]
    held = hold_slot(
        session,
        county,
        conversation_id,
        slot.key,
        language=language,
        channel=channel,
        municipality=nordstadt(session, county),
        now=NOW,
    )
    return confirm_hold(session, held.hold_token, NOW)


def outbound(session, booking, kind):
    return list(
        session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.conversation_id == booking.conversation_id,
                OutboundMessage.kind == kind,
            )
        )
    )


def test_a_reminder_goes_out_once_24_hours_before_in_the_residents_language(session, test_county):
    booking = booked(session, test_county)
    too_early = booking.starts_at - timedelta(hours=25)
    send_due_reminders(session, too_early, BASE_URL)
    assert outbound(session, booking, "reminder") == []

    due = booking.starts_at - timedelta(hours=23)
    send_due_reminders(session, due, BASE_URL)
    send_due_reminders(session, due + timedelta(minutes=5), BASE_URL)
    [reminder] = outbound(session, booking, "reminder")
    assert reminder.status == "logged"  # local mode: logged, not sent
    assert reminder.language == "ar"
    assert format_code(booking.code) in reminder.text
    assert "Rathaus Nordstadt" in reminder.text and "Markt 1" in reminder.text


def test_no_reminder_after_cancelling_or_after_opting_out(session, test_county):
    cancelled = booked(session, test_county)
    cancel_booking(session, cancelled, NOW, "resident")
    opted_out = booked(session, test_county)
    session.get(Conversation, opted_out.conversation_id).opted_out = True
    send_due_reminders(session, opted_out.starts_at - timedelta(hours=1), BASE_URL)
    assert outbound(session, cancelled, "reminder") == []
    assert outbound(session, opted_out, "reminder") == []


def test_web_residents_cannot_be_reached_and_that_is_recorded(session, test_county):
    booking = booked(session, test_county, channel="web")
    send_due_reminders(session, booking.starts_at - timedelta(hours=1), BASE_URL)
    [reminder] = outbound(session, booking, "reminder")
    assert reminder.status == "undeliverable"


def test_feedback_after_attending_is_asked_once_and_stored_without_the_person(session, test_county):
    booking = booked(session, test_county)
    mark_attended(session, booking, booking.starts_at + timedelta(minutes=50))
    send_feedback_requests(session, booking.starts_at + timedelta(hours=1), BASE_URL)
    assert outbound(session, booking, "feedback") == []  # not during the visit
    later = booking.starts_at + timedelta(hours=3)
    send_feedback_requests(session, later, BASE_URL)
    [request] = outbound(session, booking, "feedback")
    assert f"{BASE_URL}/feedback/{booking.feedback_token}" in request.text

    before = session.scalar(select(func.count()).select_from(FeedbackResponse))
    token = booking.feedback_token
    response = record_feedback(
        session,
        booking,
        {"understood": "yes", "helpful": "partly", "recommend": "maybe"},
        later.date(),
    )
    assert (response.understood, response.helpful, response.recommend) == ("yes", "partly", None)
    assert response.language == "ar" and response.submitted_month.day == 1
    assert session.scalar(select(func.count()).select_from(FeedbackResponse)) == before + 1
    assert booking_for_feedback(session, token) is None  # the link works once


def test_calendar_file_is_valid_with_the_berlin_zone_and_the_feed_has_no_personal_data(
    session, test_county
):
    booking = booked(session, test_county)
    calendar = icalendar.Calendar.from_ical(booking_ics(test_county, booking))
    [event] = calendar.walk("VEVENT")
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    assert event.decoded("dtstart").tzinfo is not None
    assert event.decoded("dtstart") == booking.starts_at
    assert format_code(booking.code) in str(event["description"])
    assert "Rathaus Nordstadt" in str(event["location"])

    feed = case_manager_feed(test_county, booking.case_manager, [booking]).decode()
    assert format_code(booking.code) in feed and "Arabisch" in feed
    assert booking.conversation_id not in feed
