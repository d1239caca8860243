"""The staff side against the running front door: a booking made in Arabic minutes earlier
is a German pre-filled intake in the caseworker's calendar; an admin's FAQ edit is what the
bot says."""

import re

import pytest
from sqlalchemy import select

from core.db import get_sessionmaker
from scheduler.models import Booking
from staff.roles import Role
from tests.support.chat import Resident, book, text_of
from tests.support.staff import StaffBrowser, make_user

pytestmark = pytest.mark.e2e


def test_an_arabic_booking_is_a_german_intake_in_the_caseworkers_calendar(front_door):
    resident = Resident(front_door, "ar")
    _, code = book(resident, "بدي موعد", "Brakel", "نعم، احجز الموعد", age="٣٤")
    with get_sessionmaker()() as session:
        booking = session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))
        caseworker = make_user(session, Role.CASEWORKER, booking.case_manager)
        week_of = booking.starts_at.date().isoformat()

    browser = StaffBrowser(front_door, caseworker)
    week = browser.get(f"/staff/calendar?week_of={week_of}").text
    assert f"Vorbereitung {code} (Arabisch)" in week
    link = re.search(rf'href="(/staff/bookings/\d+)">Vorbereitung {code}', week).group(1)
    record = browser.get(link).text
    assert "Arabisch" in record and "Dolmetscher nötig" in record
    assert "Aufenthaltserlaubnis" in record and "Wohnen, Sprache" in record
    assert "ابنتي عمرها ٤ سنوات" in record  # the resident's own words, untranslated


def test_an_admins_faq_edit_is_what_the_bot_answers(front_door):
    with get_sessionmaker()() as session:
        admin = make_user(session, Role.ADMIN)
    browser = StaffBrowser(front_door, admin)
    new_text = "السكن: اسأل البلدية عن شقة. نحن نساعدك في الطلب."
    saved = browser.post(
        "/staff/faq/faq_housing/ar", {"text": new_text, "review_state": "reviewed", "scope": "*"}
    )
    assert saved.status_code == 303
    answer = Resident(front_door, "ar").says("/faq_housing")
    assert text_of(answer).startswith(new_text)
