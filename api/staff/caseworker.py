"""The caseworker's week, the pre-intake record in German, and what happens to a booking."""

from datetime import date, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CountyRowDep, SessionDep, SettingsDep
from api.staff.deps import Staff, render, require
from core.db import utcnow
from i18n.languages import LANGUAGES
from intake.screening import FIELD_TITLES_DE
from intake.service import move_pre_intake, read_record, record_of_booking
from intake.triage import OUTCOME_LABELS_DE
from scheduler.bookings import (
    SlotTaken,
    cancel_booking,
    format_code,
    hand_over,
    mark_attended,
    mark_no_show,
)
from scheduler.followups import tell_cancelled
from scheduler.models import Booking, CaseManager, County
from scheduler.weeks import manager_locations, monday_of, week
from staff.service import audit

router = APIRouter(prefix="/staff", tags=["staff"])
Calendar = Annotated[Staff, Depends(require("calendar"))]
Records = Annotated[Staff, Depends(require("records.read"))]
Manage = Annotated[Staff, Depends(require("bookings.manage"))]

WHAT_TO_BRING = "Pass oder Ausweis und Briefe vom Amt"
STATES_DE = {
    "free": "frei",
    "held": "reserviert",
    "booked": "gebucht",
    "attended": "war da",
    "no_show": "nicht gekommen",
    "cancelled": "abgesagt",
    "confirmed": "gebucht",
}


def _manager(staff: Staff) -> CaseManager:
    if staff.user.case_manager is None:
        raise HTTPException(403, "Ihr Konto ist mit keiner Fachkraft verbunden.")
    return staff.user.case_manager


def _booking_for(session: Session, staff: Staff, booking_id: int) -> Booking:
    """Only bookings at the caseworker's own locations, whoever holds them."""
    booking = session.get(Booking, booking_id)
    if booking is None or booking.status in ("held", "released", "expired"):
        raise HTTPException(404, "Diesen Termin gibt es nicht.")
    own = {location.id for location in manager_locations(session, _manager(staff))}
    if booking.location_id not in own and booking.case_manager_id != staff.user.case_manager_id:
        raise HTTPException(
            403, "Dieser Termin ist an einem Ort, für den Sie nicht zuständig sind."
        )
    return booking


def _local(county: County, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(county.timezone))


@router.get("/calendar", response_class=HTMLResponse)
def calendar(
    request: Request,
    session: SessionDep,
    county: CountyRowDep,
    settings: SettingsDep,
    staff: Calendar,
    week_of: date | None = None,
) -> HTMLResponse:
    manager = _manager(staff)
    now = utcnow()
    monday = monday_of(week_of or _local(county, now).date())
    days = week(session, county, manager, monday, now)
    return render(
        request,
        "calendar.html",
        staff,
        manager=manager,
        days=days,
        monday=monday,
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        local=lambda moment: _local(county, moment),
        states=STATES_DE,
        languages=LANGUAGES,
        format_code=format_code,
        feed_url=f"{settings.base_url}/calendar/{manager.feed_token}.ics",
    )


@router.get("/bookings/{booking_id}", response_class=HTMLResponse)
def booking_record(
    request: Request,
    booking_id: int,
    session: SessionDep,
    county: CountyRowDep,
    staff: Records,
    notice: str = "",
    error: str = "",
) -> HTMLResponse:
    booking = _booking_for(session, staff, booking_id)
    record = record_of_booking(session, booking)
    payload = read_record(record) if record else None
    audit(
        session,
        staff.user,
        "record.read" if record else "booking.read",
        utcnow(),
        "pre_intake_record" if record else "booking",
        record.id if record else booking.id,
        detail=f"Termin {format_code(booking.code or '')}",
    )
    colleagues = session.scalars(
        select(CaseManager)
        .where(
            CaseManager.county_id == county.id,
            CaseManager.active.is_(True),
            CaseManager.id != booking.case_manager_id,
        )
        .order_by(CaseManager.name)
    ).all()
    return render(
        request,
        "booking.html",
        staff,
        booking=booking,
        record=payload,
        local=lambda moment: _local(county, moment),
        language=LANGUAGES[booking.language],
        outcomes=OUTCOME_LABELS_DE,
        field_titles=FIELD_TITLES_DE,
        states=STATES_DE,
        what_to_bring=WHAT_TO_BRING,
        format_code=format_code,
        colleagues=colleagues,
        notice=notice,
        error=error,
    )


def _back(booking: Booking, **query: str) -> RedirectResponse:
    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"/staff/bookings/{booking.id}{suffix}", status_code=303)


def _after_the_visit(session: Session, staff: Staff, booking_id: int, attended_: bool) -> Response:
    """Came or did not come: only once the appointment has begun."""
    booking = _booking_for(session, staff, booking_id)
    now = utcnow()
    if booking.starts_at > now:
        return _back(booking, error="Der Termin hat noch nicht begonnen.")
    if attended_:
        mark_attended(session, booking, now)
    else:
        mark_no_show(session, booking, now)
    action = "booking.attended" if attended_ else "booking.no_show"
    audit(session, staff.user, action, now, "booking", booking.id)
    return _back(booking, notice=f"Gespeichert: {STATES_DE[booking.status]}.")


@router.post("/bookings/{booking_id}/attended")
def attended(booking_id: int, session: SessionDep, staff: Manage) -> Response:
    return _after_the_visit(session, staff, booking_id, attended_=True)


@router.post("/bookings/{booking_id}/no-show")
def no_show(booking_id: int, session: SessionDep, staff: Manage) -> Response:
    return _after_the_visit(session, staff, booking_id, attended_=False)


@router.post("/bookings/{booking_id}/cancel")
def cancel(booking_id: int, session: SessionDep, county: CountyRowDep, staff: Manage) -> Response:
    booking = _booking_for(session, staff, booking_id)
    now = utcnow()
    if booking.status != "confirmed":
        return _back(booking, error="Nur gebuchte Termine können abgesagt werden.")
    cancel_booking(session, booking, now, reason="staff")
    audit(session, staff.user, "booking.cancel", now, "booking", booking.id)
    session.commit()  # before the provider call (conversations/outbound.py send_message)
    told = tell_cancelled(session, county, booking, now)
    if told:
        return _back(
            booking, notice="Abgesagt. Die Person bekommt eine Nachricht in ihrer Sprache."
        )
    return _back(
        booking,
        notice="Abgesagt. Die Person ist über den Chat nicht erreichbar: bitte anders informieren.",
    )


@router.post("/bookings/{booking_id}/hand-over")
def hand_over_booking(
    booking_id: int,
    session: SessionDep,
    staff: Manage,
    colleague_id: Annotated[int, Form()],
) -> Response:
    booking = _booking_for(session, staff, booking_id)
    colleague = session.get(CaseManager, colleague_id)
    if colleague is None or colleague.county_id != booking.county_id or not colleague.active:
        return _back(booking, error="Diese Fachkraft gibt es nicht.")
    if booking.status != "confirmed":
        return _back(booking, error="Nur gebuchte Termine können übergeben werden.")
    now = utcnow()
    try:
        hand_over(session, booking, colleague, now)
    except SlotTaken:
        return _back(booking, error=f"{colleague.name} hat zu dieser Zeit schon einen Termin.")
    # The case system gets the record again, now naming the colleague.
    move_pre_intake(session, booking, booking, now)
    audit(session, staff.user, "booking.hand_over", now, "booking", booking.id, colleague.name)
    return _back(booking, notice=f"Übergeben an {colleague.name}.")
