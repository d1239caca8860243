"""A resident books an appointment over WhatsApp by answering with numbers, in Arabic and German.

Real api, Rasa and action server; the requests are what Twilio sends (form-encoded, signed with
the test auth token the stack's api also has), the answers are TwiML.
"""

import random
import re
import xml.etree.ElementTree as ET

import httpx
import pytest
from sqlalchemy import select

from api.channels.messaging import CHOOSE_BY_NUMBER
from conversations.channels import address_of
from conversations.models import Conversation
from conversations.service import pseudonym
from core.db import get_sessionmaker
from core.settings import get_settings
from i18n.catalogs import gettext, pgettext
from scheduler.models import Booking
from tests.support.chat import CODE, NOTES, SCREENING, screen
from tests.support.twilio_api import signature

pytestmark = pytest.mark.e2e

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BUTTON_HINT = {
    language: pgettext(language, "utter_screening_use_buttons", "Bitte drücken Sie einen Knopf.")
    for language in ("ar", "de")
}


class WhatsAppResident:
    def __init__(self, base_url: str, language: str) -> None:
        self.url = f"{base_url}/channels/twilio"
        self.number = "+49157" + "".join(random.choices("0123456789", k=8))
        self.language = language
        pepper = get_settings().pseudonym_pepper.get_secret_value()
        self.conversation_id = pseudonym(pepper, "whatsapp", self.number)

    def says(self, text: str) -> str:
        form = {
            "MessageSid": "SM" + "".join(random.choices("0123456789abcdef", k=32)),
            "From": f"whatsapp:{self.number}",
            "To": "whatsapp:+4952719650000",
            "Body": text,
            "NumMedia": "0",
        }
        response = httpx.post(
            self.url,
            data=form,
            headers={"X-Twilio-Signature": signature(self.url, form)},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        parts = [m.text or "" for m in ET.fromstring(response.text).iter("Message")]
        assert parts and all(len(part) <= 1600 for part in parts)
        return "\n\n".join(parts)

    def choices(self) -> list[dict]:
        with get_sessionmaker()() as session:
            return session.get(Conversation, self.conversation_id).choices or []

    def number_of(self, text: str, *, payload: str | None = None, title: str | None = None) -> str:
        """The number the answer shows for a choice, as the resident types it."""
        choices = self.choices()
        index = next(
            (
                n
                for n, choice in enumerate(choices, 1)
                if choice["payload"] == payload or choice["title"] == title
            ),
            None,
        )
        assert index, (payload or title, text, choices)
        assert f"\n{index} {choices[index - 1]['title']}" in text, text  # what the resident sees
        typed = str(index)
        return typed.translate(ARABIC_DIGITS) if self.language == "ar" else typed

    def chooses(self, text: str, **which: str) -> str:
        return self.says(self.number_of(text, **which))


def book_by_numbers(resident: WhatsAppResident, ask: str, town: str, yes: str, age: str) -> str:
    asked = resident.says(ask)
    slots = resident.chooses(asked, title=town)
    # Numbered slots (in Brakel, or nearby once earlier tests have filled Brakel's).
    assert re.search(r"\n1 .*\d", slots), slots
    consent = resident.says("1" if resident.language != "ar" else "١")  # the first slot
    answer = consent
    for step in SCREENING:
        if step == screen("household", "family"):
            # Words where a choice is asked: the choices again, numbered, without any
            # "press a button" (there are none on WhatsApp).
            question = answer
            answer = resident.says("hmm")
            assert gettext(resident.language, CHOOSE_BY_NUMBER) in answer, answer
            assert BUTTON_HINT[resident.language] not in answer, answer
            assert resident.number_of(answer, payload=step) == resident.number_of(
                question, payload=step
            )
        if step.startswith("/"):
            answer = resident.chooses(answer, payload=step)
        else:
            answer = resident.says(step.format(age=age, note=NOTES[resident.language]))
    booked = resident.chooses(answer, title=yes)
    code = CODE.search(booked)
    assert code, booked
    return code.group(0)


@pytest.mark.parametrize(
    ("language", "ask", "yes", "age"),
    [
        ("ar", "بدي موعد", "نعم، احجز الموعد", "٣٤"),
        ("de", "Ich brauche einen Termin", "Ja, buchen", "34"),
    ],
)
def test_booking_over_whatsapp_by_numbers(front_door, language, ask, yes, age):
    resident = WhatsAppResident(front_door, language)
    code = book_by_numbers(resident, ask, "Brakel", yes, age)
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        assert (booking.status, booking.language, booking.channel) == (
            "confirmed",
            language,
            "whatsapp",
        )
        conversation = session.get(Conversation, booking.conversation_id)
        assert conversation.id == resident.conversation_id
        assert (conversation.channel, conversation.language) == ("whatsapp", language)
        assert address_of(conversation) == resident.number  # for the reminder, encrypted
        assert resident.number not in (conversation.address_encrypted or "")

    # STOP works mid-conversation and keeps the language.
    stopped = resident.says("STOP")
    with get_sessionmaker()() as session:
        assert session.get(Conversation, resident.conversation_id).opted_out is True
    assert "START" in stopped
