"""A resident books, checks and cancels an appointment by pressing buttons, in German and Arabic."""

import json
import re

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from core.crypto import decrypt
from core.db import get_sessionmaker
from intake.models import Consent, OutboxMessage, PreIntakeRecord
from intake.record import VALIDATOR
from intake.tasks import deliver_outbox_task
from scheduler.models import Booking, County
from tests.support.case_system import SECRET, Receiver
from tests.support.chat import CODE, NOTES, Resident, book, screen, text_of

pytestmark = pytest.mark.e2e


def test_booking_in_german_by_buttons_then_check_and_cancel(front_door):
    resident = Resident(front_door, "de")
    booked, code = book(resident, "Ich brauche einen Termin", "Brakel", "Ja, buchen")
    text = text_of(booked)
    assert text.startswith("Ihr Termin ist gebucht.")
    assert "Rathaus" in text and "Brakel" in text
    ics_url = re.search(r"http\S+\.ics", text).group(0)
    calendar = httpx.get(ics_url, timeout=10)
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    assert "TZID=Europe/Berlin" in calendar.text

    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert booking.status == "confirmed" and booking.language == "de"
        feed_url = f"{front_door}/calendar/{booking.case_manager.feed_token}.ics"
    feed = httpx.get(feed_url, timeout=10).text
    assert code in feed and "Deutsch" in feed

    checked = resident.says("/check_appointment")
    assert code in text_of(checked)
    # Asking for a second appointment shows the one there is.
    again = resident.says("/book_appointment")
    assert text_of(again).startswith("Sie haben schon einen Termin") and code in text_of(again)

    asked = resident.presses(checked, "Termin absagen")
    assert "wirklich absagen" in text_of(asked)
    cancelled = resident.presses(asked, "Ja, absagen")
    assert text_of(cancelled).startswith("Ihr Termin ist abgesagt.")
    # The case manager's calendar drops it.
    assert code not in httpx.get(feed_url, timeout=10).text
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert booking.status == "cancelled"


def test_booking_in_arabic_by_buttons_then_check_and_cancel_with_the_code(front_door):
    resident = Resident(front_door, "ar")
    booked, code = book(resident, "بدي موعد", "Brakel", "نعم، احجز الموعد", age="٣٤")
    assert resident.language == "ar"
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert (booking.status, booking.language) == ("confirmed", "ar")

    # From another conversation, with the code typed in lower case.
    other = Resident(front_door, "ar")
    checked = other.says(f"موعدي {code.lower()}")
    assert code in text_of(checked)
    asked = other.presses(checked, index=1)  # cancel
    cancelled = other.presses(asked, index=0)  # yes
    assert code not in text_of(cancelled)
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert booking.status == "cancelled"


def test_a_town_typed_with_a_typo_is_understood_and_no_stops_the_booking(front_door):
    resident = Resident(front_door, "de")
    resident.says("termin bitte")
    slots = resident.says("brakl")
    assert any("Brakel" in b["title"] for m in slots for b in m.get("buttons") or [])
    stopped = resident.says("/deny")
    assert text_of(stopped).startswith("Gut. Ich buche keinen Termin.")
    # Nothing is held any more: the conversation has no booking.
    checked = resident.says("/check_appointment")
    assert "Bitte schreiben Sie Ihren Termin-Code" in text_of(checked)


def test_moving_a_booking_to_another_slot_keeps_one_booking(front_door):
    resident = Resident(front_door, "de")
    _, old_code = book(resident, "Ich brauche einen Termin", "Brakel", "Ja, buchen")
    slots = resident.says("/reschedule_appointment")
    # The town is known from the booking: the free slots come at once.
    chosen = resident.presses(slots, index=1)
    assert "Ihr alter Termin wird dann abgesagt" in text_of(chosen)
    moved = resident.presses(chosen, "Ja, ändern")
    assert text_of(moved).startswith("Ihr Termin ist geändert.")
    new_code = CODE.search(text_of(moved)).group(0)
    with get_sessionmaker()() as session:
        statuses = {
            b.code: b.status
            for b in session.scalars(
                select(Booking).where(
                    Booking.code.in_([old_code.replace("-", ""), new_code.replace("-", "")])
                )
            )
        }
    assert statuses == {
        old_code.replace("-", ""): "cancelled",
        new_code.replace("-", ""): "confirmed",
    }
    # The case system gets the record again, with the new time, replacing the old one.
    with get_sessionmaker()() as session:
        new = session.scalar(select(Booking).where(Booking.code == new_code.replace("-", "")))
        old = session.scalar(select(Booking).where(Booking.code == old_code.replace("-", "")))
        records = {
            r.booking_id: json.loads(decrypt(r.payload_encrypted))
            for r in session.scalars(
                select(PreIntakeRecord).where(PreIntakeRecord.booking_id.in_([new.id, old.id]))
            )
        }
    assert list(records) == [new.id]
    assert records[new.id]["booking"]["code"] == new_code and records[new.id]["replaces"]
    VALIDATOR.validate(records[new.id])


def test_the_record_of_a_booking_is_in_the_outbox_with_the_screening_answers(front_door):
    resident = Resident(front_door, "ar")
    _, code = book(resident, "بدي موعد", "Brakel", "نعم، احجز الموعد", age="٣٤")
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        record = session.scalar(
            select(PreIntakeRecord).where(PreIntakeRecord.booking_id == booking.id)
        )
        payload = json.loads(decrypt(record.payload_encrypted))
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.record_id == record.id))
    VALIDATOR.validate(payload)
    assert payload["booking"]["code"] == code
    assert payload["language"] == {"code": "ar", "name_de": "Arabisch", "interpreter_needed": True}
    assert payload["screening"]["age"] == {"number": 34}
    assert payload["screening"]["life_areas"]["labels_de"] == ["Wohnen", "Sprache"]
    assert payload["triage"]["outcome"] == "kim_appointment"
    # Free words stay in the language they were written in.
    assert payload["screening"]["note"] == {"text": NOTES["ar"], "language": "ar"}
    assert message.status in ("pending", "delivered")


def test_saying_no_to_consent_books_nothing_and_stores_nothing_personal(front_door):
    resident = Resident(front_door, "de")
    slots = resident.presses(resident.says("Termin bitte"), "Brakel")
    consent = resident.presses(slots, index=0)
    assert "Sind Sie einverstanden?" in text_of(consent)
    declined = resident.says("/deny")
    assert text_of(declined).startswith("Gut. Ich speichere nichts von Ihnen.")
    with get_sessionmaker()() as session:
        conversation = session.scalars(select(Consent).order_by(Consent.id.desc())).first()
        assert conversation.given is False
        records = session.scalars(
            select(PreIntakeRecord).where(
                PreIntakeRecord.conversation_id == conversation.conversation_id
            )
        ).all()
        held = session.scalars(
            select(Booking).where(
                Booking.conversation_id == conversation.conversation_id,
                Booking.status.in_(("held", "confirmed")),
            )
        ).all()
    assert records == [] and held == []


def test_urgent_need_gets_help_at_once_and_health_only_is_referred(front_door):
    urgent = Resident(front_door, "de")
    slots = urgent.presses(urgent.says("Termin bitte"), "Brakel")
    urgent.presses(slots, index=0)
    urgent.says("/affirm")  # consent
    helped = urgent.says(screen("urgent_need", "yes"))
    assert "110" in text_of(helped) and "Integrations-Management an" in text_of(helped)

    referred = Resident(front_door, "de")
    slots = referred.presses(referred.says("Termin bitte"), "Brakel")
    referred.presses(slots, index=0)
    for answer in [
        "/affirm",
        screen("urgent_need", "no"),
        "41",
        screen("household", "single"),
        screen("residence_status", "gestattung"),
        screen("life_areas", "health"),  # only health: Höxter refers (000:335)
        screen("life_areas", "done"),
        screen("services_involved", "none"),
        screen("interpreter", "no"),
        screen("note", "skip"),
    ]:
        referred.says(answer)
    outcome = referred.says("/affirm")
    assert "Ich habe keinen Termin gebucht." in text_of(outcome)
    assert "Telefon:" in text_of(outcome)


def test_delete_my_data_asks_then_cancels_the_booking_and_deletes_the_answers(front_door):
    resident = Resident(front_door, "de")
    _, code = book(resident, "Ich brauche einen Termin", "Brakel", "Ja, buchen")
    asked = resident.says("Bitte löschen Sie meine Daten")
    assert text_of(asked).endswith("Soll ich alles löschen?")
    done = resident.presses(asked, "Ja, alles löschen")
    assert text_of(done).startswith("Erledigt. Ich habe alles gelöscht.")
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert (booking.status, booking.cancel_reason) == ("cancelled", "deleted_on_request")
        assert (
            session.scalars(
                select(PreIntakeRecord).where(
                    PreIntakeRecord.conversation_id == booking.conversation_id
                )
            ).all()
            == []
        )
        consent = session.scalar(
            select(Consent).where(Consent.conversation_id == booking.conversation_id)
        )
        assert consent.withdrawn_at is not None


def test_a_booking_in_arabic_reaches_the_case_systems_webhook_signed_and_once(
    front_door, settings, monkeypatch
):
    """Chat -> booking with screening -> outbox -> the delivery task -> a webhook on loopback."""
    resident = Resident(front_door, "ar")
    _, code = book(resident, "بدي موعد", "Brakel", "نعم، احجز الموعد", age="٣٤")
    case_system = Receiver(failures=0)
    monkeypatch.setattr(settings, "case_system_secret", SecretStr(SECRET))
    with get_sessionmaker()() as session:
        county = session.scalar(select(County).where(County.slug == settings.county))
        before, county.case_system = (
            county.case_system,
            {"adapter": "webhook", "url": case_system.url},
        )
        session.commit()
    try:
        deliver_outbox_task()
        deliver_outbox_task()  # a second run sends nothing again
    finally:
        case_system.stop()
        with get_sessionmaker()() as session:
            session.scalar(
                select(County).where(County.slug == settings.county)
            ).case_system = before
            session.commit()
    ours = [r for r in case_system.records.values() if (r["booking"] or {}).get("code") == code]
    assert len(ours) == 1
    VALIDATOR.validate(ours[0])
    assert ours[0]["language"]["code"] == "ar"
    assert all(request["signed"] for request in case_system.requests)
    assert len(case_system.requests) == len(case_system.records)  # each record once


@pytest.mark.parametrize(
    ("language", "ask", "yes", "cancel_word"),
    [
        ("de", "Ich brauche einen Termin", "Ja, buchen", "absagen"),
        ("ar", "بدي موعد", "نعم، احجز الموعد", "إلغاء"),
    ],
)
def test_the_word_the_reminder_suggests_starts_cancelling(
    front_door, language, ask, yes, cancel_word
):
    """The reminder says "write: absagen" (in the resident's language): that word must work."""
    resident = Resident(front_door, language)
    _, code = book(resident, ask, "Brakel", yes, age="34")
    asked = resident.says(cancel_word)
    payloads = [b["payload"] for m in asked for b in m.get("buttons") or []]
    assert payloads == ["/affirm", "/deny"], text_of(asked)  # "really cancel?" yes / no
    resident.says("/affirm")
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert booking.status == "cancelled"
