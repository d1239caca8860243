"""Office hours, closures and absences, with the slots they produce in the next two weeks."""

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from api.deps import CountyRowDep, SessionDep
from api.staff.deps import Staff, render, require
from core.db import utcnow
from scheduler.models import Absence, Booking, CaseManager, Closure, Location, OfficeHours
from scheduler.service import (
    ScheduleError,
    add_absence,
    add_closure,
    add_office_hours,
    remove_absence,
    remove_closure,
    remove_office_hours,
)
from scheduler.slots import free_only, generate_slots
from staff.service import audit

router = APIRouter(prefix="/staff/office-hours", tags=["staff"])
Editor = Annotated[Staff, Depends(require("hours.edit"))]
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
PREVIEW_DAYS = 14


def _back(**query: str) -> RedirectResponse:
    return RedirectResponse(f"/staff/office-hours?{urlencode(query)}", status_code=303)


def _owned(session, model, object_id: int, county_id: int):  # type: ignore[no-untyped-def]
    row = session.get(model, object_id)
    if row is None:
        raise HTTPException(404, "Diesen Eintrag gibt es nicht.")
    owner = row.case_manager.county_id if isinstance(row, OfficeHours | Absence) else row.county_id
    if owner != county_id:
        raise HTTPException(404, "Diesen Eintrag gibt es nicht.")
    return row


@router.get("", response_class=HTMLResponse)
def editor(
    request: Request,
    session: SessionDep,
    county: CountyRowDep,
    staff: Editor,
    notice: str = "",
    error: str = "",
) -> HTMLResponse:
    zone = ZoneInfo(county.timezone)
    now = utcnow()
    today = now.astimezone(zone).date()
    locations = list(
        session.scalars(
            select(Location).where(Location.county_id == county.id).order_by(Location.name)
        )
    )
    managers = list(
        session.scalars(
            select(CaseManager).where(CaseManager.county_id == county.id).order_by(CaseManager.name)
        )
    )
    generated = generate_slots(
        session, county, locations, today, today + timedelta(days=PREVIEW_DAYS)
    )
    free = set(free_only(session, generated, now))
    by_location = {location.id: location for location in locations}
    by_manager = {manager.id: manager for manager in managers}
    preview: dict[date, list] = {}
    for slot in generated:
        local = slot.starts_at.astimezone(zone)
        preview.setdefault(local.date(), []).append(
            (
                local.strftime("%H:%M"),
                by_location[slot.location_id].name,
                by_manager[slot.case_manager_id].name,
                "frei" if slot in free else "belegt oder vorbei",
            )
        )
    closures = session.scalars(
        select(Closure)
        .where(Closure.county_id == county.id, Closure.day >= today)
        .order_by(Closure.day)
    ).all()
    absences = session.scalars(
        select(Absence)
        .join(CaseManager, Absence.case_manager_id == CaseManager.id)
        .where(CaseManager.county_id == county.id, Absence.ends >= today)
        .order_by(Absence.starts)
    ).all()
    return render(
        request,
        "hours.html",
        staff,
        locations=locations,
        managers=managers,
        weekdays=WEEKDAYS_DE,
        closures=closures,
        absences=absences,
        preview=sorted(preview.items()),
        preview_days=PREVIEW_DAYS,
        notice=notice,
        error=error,
    )


@router.post("/hours")
def create_hours(
    session: SessionDep,
    county: CountyRowDep,
    staff: Editor,
    location_id: Annotated[int, Form()],
    case_manager_id: Annotated[int, Form()],
    weekday: Annotated[int, Form()],
    starts: Annotated[time, Form()],
    ends: Annotated[time, Form()],
    valid_from: Annotated[date | None, Form()] = None,
    valid_until: Annotated[date | None, Form()] = None,
) -> Response:
    location = _owned(session, Location, location_id, county.id)
    manager = _owned(session, CaseManager, case_manager_id, county.id)
    try:
        hours = add_office_hours(
            session, location, manager, weekday=weekday, starts=starts, ends=ends,
            valid_from=valid_from, valid_until=valid_until,
        )  # fmt: skip
    except ScheduleError as error:
        return _back(error=str(error))
    audit(session, staff.user, "hours.add", utcnow(), "office_hours", hours.id, location.name)
    return _back(notice="Sprechstunde gespeichert. Die neuen Termine sind sofort buchbar.")


@router.post("/hours/{hours_id}/delete")
def delete_hours(
    hours_id: int, session: SessionDep, county: CountyRowDep, staff: Editor
) -> Response:
    hours = _owned(session, OfficeHours, hours_id, county.id)
    audit(
        session, staff.user, "hours.remove", utcnow(), "office_hours", hours.id, hours.location.name
    )
    remove_office_hours(session, hours)
    return _back(notice="Sprechstunde gelöscht. Schon gebuchte Termine bleiben bestehen.")


@router.post("/closures")
def create_closure(
    session: SessionDep,
    county: CountyRowDep,
    staff: Editor,
    day: Annotated[date, Form()],
    reason: Annotated[str, Form(max_length=200)] = "",
    location_id: Annotated[str, Form()] = "",
) -> Response:
    location = _owned(session, Location, int(location_id), county.id) if location_id else None
    closure = add_closure(session, county, day, reason, location)
    audit(session, staff.user, "closure.add", utcnow(), "closure", closure.id, str(day))
    return _back(notice="Schließtag gespeichert.")


@router.post("/closures/{closure_id}/delete")
def delete_closure(
    closure_id: int, session: SessionDep, county: CountyRowDep, staff: Editor
) -> Response:
    closure = _owned(session, Closure, closure_id, county.id)
    audit(session, staff.user, "closure.remove", utcnow(), "closure", closure.id, str(closure.day))
    remove_closure(session, closure)
    return _back(notice="Schließtag gelöscht.")


@router.post("/absences")
def create_absence(
    session: SessionDep,
    county: CountyRowDep,
    staff: Editor,
    case_manager_id: Annotated[int, Form()],
    starts: Annotated[date, Form()],
    ends: Annotated[date, Form()],
    cover_id: Annotated[str, Form()] = "",
) -> Response:
    manager = _owned(session, CaseManager, case_manager_id, county.id)
    cover = _owned(session, CaseManager, int(cover_id), county.id) if cover_id else None
    try:
        absence = add_absence(session, manager, starts, ends, cover)
    except ScheduleError as error:
        return _back(error=str(error))
    audit(session, staff.user, "absence.add", utcnow(), "absence", absence.id, manager.name)
    zone = ZoneInfo(county.timezone)
    booked = session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.case_manager_id == manager.id,
            Booking.status == "confirmed",
            Booking.starts_at >= datetime.combine(starts, time.min, zone),
            Booking.starts_at < datetime.combine(ends + timedelta(days=1), time.min, zone),
        )
    )
    if booked:
        return _back(
            notice=f"Abwesenheit gespeichert. {manager.name} hat in dieser Zeit {booked} "
            "gebuchte Termine. Sie bleiben bestehen; die Fachkraft kann sie im Kalender übergeben."
        )
    return _back(notice="Abwesenheit gespeichert.")


@router.post("/absences/{absence_id}/delete")
def delete_absence(
    absence_id: int, session: SessionDep, county: CountyRowDep, staff: Editor
) -> Response:
    absence = _owned(session, Absence, absence_id, county.id)
    audit(session, staff.user, "absence.remove", utcnow(), "absence", absence.id)
    remove_absence(session, absence)
    return _back(notice="Abwesenheit gelöscht.")
