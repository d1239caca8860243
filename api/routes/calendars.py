"""Public links residents and case managers open: calendar files, the feed, the feedback form."""

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from api.deps import CountyRowDep, SessionDep
from core.db import utcnow
from i18n.catalogs import gettext
from i18n.languages import LANGUAGES
from scheduler.bookings import booking_by_code, format_code
from scheduler.calendars import booking_ics, case_manager_feed
from scheduler.followups import booking_for_feedback, record_feedback
from scheduler.models import Booking, CaseManager

router = APIRouter(tags=["calendars"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

CALENDAR_TYPE = "text/calendar; charset=utf-8"
# The feed shows the recent past too, so a case manager can look back at last week.
FEED_PAST = timedelta(days=14)


@router.get("/api/v1/bookings/{code}.ics")
def booking_calendar_file(code: str, session: SessionDep, county: CountyRowDep) -> Response:
    booking = booking_by_code(session, code)
    if booking is None or booking.status not in ("confirmed", "cancelled"):
        raise HTTPException(404, "no such booking")
    filename = f"termin-{format_code(booking.code or '')}.ics"
    return Response(
        booking_ics(county, booking),
        media_type=CALENDAR_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/calendar/{feed_token}.ics")
def case_manager_calendar(feed_token: str, session: SessionDep, county: CountyRowDep) -> Response:
    """A private feed to subscribe to in Outlook or on a phone; the token is the only key."""
    manager = session.scalar(select(CaseManager).where(CaseManager.feed_token == feed_token))
    if manager is None or manager.county_id != county.id:
        raise HTTPException(404, "no such feed")
    bookings = session.scalars(
        select(Booking)
        .where(
            Booking.case_manager_id == manager.id,
            Booking.status.in_(("confirmed", "attended", "no_show")),
            Booking.starts_at >= utcnow() - FEED_PAST,
        )
        .order_by(Booking.starts_at)
    )
    return Response(case_manager_feed(county, manager, bookings), media_type=CALENDAR_TYPE)


def _feedback_page(request: Request, language: str, state: str, status_code: int = 200):  # type: ignore[no-untyped-def]
    return templates.TemplateResponse(
        request,
        "feedback.html",
        {
            "_": lambda message, **kw: gettext(language, message, **kw),
            "lang": LANGUAGES[language],
            "state": state,
        },
        status_code=status_code,
    )


@router.get("/feedback/{token}", response_class=HTMLResponse)
def feedback_form(token: str, request: Request, session: SessionDep, county: CountyRowDep):  # type: ignore[no-untyped-def]
    booking = booking_for_feedback(session, token)
    if booking is None:
        return _feedback_page(request, county.default_language, "gone", 404)
    return _feedback_page(request, booking.language, "form")


@router.post("/feedback/{token}", response_class=HTMLResponse)
def feedback_submit(  # type: ignore[no-untyped-def]
    token: str,
    request: Request,
    session: SessionDep,
    county: CountyRowDep,
    understood: Annotated[str | None, Form()] = None,
    helpful: Annotated[str | None, Form()] = None,
    recommend: Annotated[str | None, Form()] = None,
):
    booking = booking_for_feedback(session, token)
    if booking is None:
        return _feedback_page(request, county.default_language, "gone", 404)
    answers = {"understood": understood, "helpful": helpful, "recommend": recommend}
    if not any(answers.values()):
        return _feedback_page(request, booking.language, "empty", 422)
    language = booking.language
    record_feedback(session, booking, answers, utcnow().date())
    return _feedback_page(request, language, "thanks")
