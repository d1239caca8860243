"""In Debian's Chromium: a caseworker logs in, opens a booked slot and marks it attended; axe-core
finds no WCAG 2.1 AA violation on any staff page."""

import re

import pytest
from sqlalchemy import select

from core.db import get_sessionmaker
from scheduler.bookings import format_code
from scheduler.models import Booking
from staff.roles import Role
from tests.support.browser import chromium, wcag_violations
from tests.support.staff import PASSWORD, book, make_user, manager_with_hours, past

pytestmark = pytest.mark.e2e


def log_in(page, front_door: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{front_door}/staff/login")
    assert wcag_violations(page) == ""
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_a_caseworker_marks_a_booked_slot_attended(front_door, county):
    with get_sessionmaker()() as session:
        manager = manager_with_hours(session, county)
        booking = book(session, county, manager, past(45), language="uk")
        caseworker = make_user(session, Role.CASEWORKER, manager)
        code, week_of = format_code(booking.code), booking.starts_at.date().isoformat()

    with chromium() as browser:
        page = browser.new_page()
        log_in(page, front_door, caseworker.email)
        page.wait_for_url(re.compile(r"/staff/calendar"))
        page.goto(f"{front_door}/staff/calendar?week_of={week_of}")
        assert wcag_violations(page) == ""
        page.get_by_role("link", name=f"Vorbereitung {code} (Ukrainisch)").click()
        page.wait_for_url(re.compile(r"/staff/bookings/\d+"))
        assert (
            page.get_by_role("heading", level=1).inner_text() == f"Vorbereitung für Termin {code}"
        )
        assert wcag_violations(page) == ""
        page.get_by_role("button", name="War da").click()
        page.get_by_role("status").wait_for()
        assert "Gespeichert: war da." in page.get_by_role("status").inner_text()
        assert wcag_violations(page) == ""

    with get_sessionmaker()() as session:
        assert session.scalar(select(Booking.status).where(Booking.id == booking.id)) == "attended"


STAFF_PAGES = [
    "/staff/users", "/staff/audit", "/staff/faq", "/staff/faq/faq_housing/ar",
    "/staff/office-hours", "/staff/triage", "/staff/delivery", "/staff/figures",
    "/staff/account", "/staff/qr",
]  # fmt: skip


def test_the_admin_pages_meet_wcag_21_aa(front_door):
    with get_sessionmaker()() as session:
        admin = make_user(session, Role.ADMIN)
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, front_door, admin.email)
        page.wait_for_url(re.compile(r"/staff/users"))
        for path in STAFF_PAGES:
            response = page.goto(f"{front_door}{path}")
            assert response.status == 200, path
            assert wcag_violations(page) == "", path
        # The preview of a right-to-left answer, and a tried triage case.
        page.goto(f"{front_door}/staff/faq/faq_housing/fa")
        page.get_by_role("button", name="Vorschau").click()
        page.locator(".chat-preview[dir=rtl]").wait_for()
        assert wcag_violations(page) == ""
        page.goto(f"{front_door}/staff/triage")
        page.get_by_role("button", name="Prüfen").click()
        page.get_by_role("status").wait_for()
        assert wcag_violations(page) == ""
