"""Staff accounts, logins and booked appointments with records, built through the services."""

import re
import secrets
import uuid
from datetime import datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from intake.service import create_pre_intake, record_consent
from scheduler.bookings import confirm_hold, hold_slot
from scheduler.models import Booking, CaseManager, County, Location
from scheduler.slots import bookable_window, free_only, generate_slots
from staff.models import StaffUser
from staff.service import create_user

PASSWORD = "richtig-langes-passwort"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')

ANSWERS = {
    "urgent_need": "no",
    "age": 34,
    "household": "family",
    "residence_status": "temporary_protection",
    "life_areas": ["housing", "language"],
    "interpreter": "yes",
    "note": "نحن نسكن في مسكن مشترك",
}


def make_user(
    session: Session, role: str, case_manager: CaseManager | None = None, **fields: str
) -> StaffUser:
    user = create_user(
        session,
        email=fields.get("email", f"{role}-{uuid.uuid4().hex[:8]}@kreis.example"),
        name=fields.get("name", f"Test {role}"),
        role=role,
        password=PASSWORD,
        case_manager_id=case_manager.id if case_manager else None,
    )
    session.commit()
    return user


class StaffBrowser:
    """A staff member's browser: forms are posted with the session's CSRF token.

    `target` is the app (in-process) or the URL of a running front door (tests/e2e).
    """

    def __init__(self, target, user: StaffUser | None = None, address: str = "testclient") -> None:  # type: ignore[no-untyped-def]
        """`address`: the client address an in-process app sees (another office, at home)."""
        if isinstance(target, str):
            self.client = httpx.Client(base_url=target, follow_redirects=False, timeout=30)
        else:
            self.client = TestClient(target, follow_redirects=False, client=(address, 50000))
        self.client.headers["accept"] = "text/html"
        self.csrf = ""
        if user is not None:
            self.login(user.email, PASSWORD)

    def login(self, email: str, password: str):  # type: ignore[no-untyped-def]
        page = self.client.get("/staff/login")
        token = CSRF_FIELD.search(page.text).group(1)
        response = self.client.post(
            "/staff/login", data={"email": email, "password": password, "csrf_token": token}
        )
        if response.status_code == 303:
            account = self.client.get("/staff/account")
            self.csrf = CSRF_FIELD.search(account.text).group(1)
        return response

    def get(self, url: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kwargs):  # type: ignore[no-untyped-def]
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return self.client.post(url, data=form, **kwargs)


def manager_with_hours(session: Session, county: County) -> CaseManager:
    return session.scalars(
        select(CaseManager).where(CaseManager.county_id == county.id).order_by(CaseManager.id)
    ).first()


def book(
    session: Session,
    county: County,
    manager: CaseManager,
    now: datetime,
    language: str = "ar",
    answers: dict | None = None,
    nth: int = 0,
) -> Booking:
    """Books the manager's `nth` free slot as seen at `now` (a past `now` gives a past slot),
    with consent and a pre-intake record, as the chat does."""
    first, last = bookable_window(county, now)
    locations = list(session.scalars(select(Location).where(Location.county_id == county.id)))
    slots = [
        slot
        for slot in free_only(session, generate_slots(session, county, locations, first, last), now)
        if slot.case_manager_id == manager.id
    ]
    slot = slots[nth]
    conversation = secrets.token_hex(16)
    location = session.get(Location, slot.location_id)
    held = hold_slot(
        session, county, conversation, slot.key, language=language, channel="web",
        municipality=location.municipality, now=now,
    )  # fmt: skip
    booking = confirm_hold(session, held.hold_token, now)
    consent = record_consent(
        session, county, conversation, given=True, language=language, channel="web", now=now
    )
    create_pre_intake(
        session, county, conversation_id=conversation, consent=consent,
        answers=answers or ANSWERS, booking=booking, language=language, channel="web",
        source_office="buergerbuero-brakel", now=now,
    )  # fmt: skip
    session.commit()
    return booking


def past(days: int) -> datetime:
    return utcnow() - timedelta(days=days)
