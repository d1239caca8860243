"""Internal booking endpoints the action server calls; the resident never reaches these."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from api.deps import (
    CountyRowDep,
    ReadCountyRowDep,
    ReadSessionDep,
    SessionDep,
    require_internal_token,
)
from api.routes.intake import consent_or_409, conversation_or_404
from conversations.models import Conversation
from core.db import utcnow
from intake.models import PreIntakeRecord
from intake.screening import normalise_answers
from intake.service import create_pre_intake, move_pre_intake
from intake.tasks import deliver_soon
from scheduler.bookings import (
    AlreadyBooked,
    BookingError,
    active_booking,
    booking_by_code,
    cancel_booking,
    confirm_hold,
    format_code,
    hold_slot,
    release_hold,
)
from scheduler.models import Booking, County, Municipality
from scheduler.municipalities import match_municipality
from scheduler.slots import search_slots

router = APIRouter(
    prefix="/internal/booking", tags=["internal"], dependencies=[Depends(require_internal_token)]
)


class SlotOut(BaseModel):
    key: str
    starts_at: datetime
    location_id: int


class SlotsOut(BaseModel):
    slots: list[SlotOut]
    scope: str | None
    next_after: date | None


class MunicipalityOut(BaseModel):
    slug: str | None
    name: str | None
    suggestions: list[str]
    # With `offer=true` and a match: the town's first free slots, as GET /slots finds them.
    offer: SlotsOut | None = None


class HoldIn(BaseModel):
    conversation_id: str
    slot_key: str
    municipality: str | None = None
    replaces_code: str | None = None


class HoldOut(BaseModel):
    hold_token: str
    starts_at: datetime
    location_id: int
    expires_at: datetime


class TokenIn(BaseModel):
    hold_token: str


class ConfirmIn(TokenIn):
    # The screening answers (after consent): the pre-intake record is written with the booking.
    answers: dict[str, Any] | None = None


class BookingOut(BaseModel):
    code: str
    status: str
    starts_at: datetime
    location_id: int
    municipality: str | None


def _booking_out(booking: Booking) -> BookingOut:
    return BookingOut(
        code=format_code(booking.code or ""),
        status=booking.status,
        starts_at=booking.starts_at,
        location_id=booking.location_id,
        municipality=booking.municipality.slug if booking.municipality else None,
    )


def _conflict(error: BookingError) -> HTTPException:
    """Booking conflicts are answers, not failures: the action tells the resident."""
    detail: dict[str, str] = {"reason": error.reason}
    if isinstance(error, AlreadyBooked):
        detail["code"] = format_code(error.booking.code or "")
    return HTTPException(410 if error.reason == "hold_expired" else 409, detail)


def _municipality(session: Session, county_id: int, slug: str) -> Municipality:
    town = session.scalar(
        select(Municipality).where(Municipality.county_id == county_id, Municipality.slug == slug)
    )
    if town is None:
        raise HTTPException(404, {"reason": "unknown_municipality"})
    return town


def _slots_out(
    session: Session, county: County, town: Municipality, after: date | None
) -> SlotsOut:
    found = search_slots(session, county, town, utcnow(), after=after)
    return SlotsOut(
        slots=[
            SlotOut(key=s.key, starts_at=s.starts_at, location_id=s.location_id)
            for s in found.slots
        ],
        scope=found.scope,
        next_after=found.next_after,
    )


@router.get("/municipalities/match", response_model=MunicipalityOut)
def match(
    session: ReadSessionDep, county: ReadCountyRowDep, text: str, offer: bool = False
) -> MunicipalityOut:
    """`offer`: the slots come with the town, so the resident's choice of town costs the
    booking form one call to the api, not two (the slot question follows at once)."""
    found = match_municipality(session, county, text)
    town = found.municipality
    return MunicipalityOut(
        slug=town.slug if town else None,
        name=town.name if town else None,
        suggestions=[suggestion.slug for suggestion in found.suggestions],
        offer=_slots_out(session, county, town, None) if offer and town else None,
    )


@router.get("/slots", response_model=SlotsOut)
def slots(
    session: ReadSessionDep,
    county: ReadCountyRowDep,
    municipality: str,
    after: Annotated[date | None, Query()] = None,
) -> SlotsOut:
    return _slots_out(session, county, _municipality(session, county.id, municipality), after)


@router.post("/holds", response_model=HoldOut, status_code=201)
def hold(body: HoldIn, session: SessionDep, county: CountyRowDep) -> HoldOut:
    conversation = session.get(Conversation, body.conversation_id)
    if conversation is None:
        raise HTTPException(404, {"reason": "unknown_conversation"})
    replaces = booking_by_code(session, body.replaces_code) if body.replaces_code else None
    if replaces is not None and replaces.conversation_id != conversation.id:
        replaces = None
    town = _municipality(session, county.id, body.municipality) if body.municipality else None
    try:
        held = hold_slot(
            session,
            county,
            conversation.id,
            body.slot_key,
            language=conversation.language,
            channel=conversation.channel,
            municipality=town,
            now=utcnow(),
            replaces=replaces,
        )
    except BookingError as error:
        raise _conflict(error) from error
    session.commit()  # before the answer (api/deps.py SessionDep)
    return HoldOut(
        hold_token=held.hold_token,
        starts_at=held.starts_at,
        location_id=held.location_id,
        expires_at=held.hold_expires_at,
    )


@router.post("/confirm", response_model=BookingOut)
def confirm(body: ConfirmIn, session: SessionDep, county: CountyRowDep) -> BookingOut:
    """Books the held slot and, in the same transaction, writes the record to the outbox."""
    try:
        booking = confirm_hold(session, body.hold_token, utcnow())
    except BookingError as error:
        raise _conflict(error) from error
    already_recorded = session.scalar(
        select(exists().where(PreIntakeRecord.booking_id == booking.id))
    )
    recorded = False
    if booking.replaces_id is not None and not already_recorded:
        replaced = session.get(Booking, booking.replaces_id)
        recorded = replaced is not None and bool(
            move_pre_intake(session, replaced, booking, utcnow())
        )
    elif body.answers is not None and not already_recorded:
        conversation = conversation_or_404(session, booking.conversation_id)
        create_pre_intake(
            session, county, conversation_id=conversation.id,
            consent=consent_or_409(session, conversation.id),
            answers=normalise_answers(body.answers), booking=booking,
            language=conversation.language, channel=conversation.channel,
            source_office=conversation.source, now=utcnow(),
        )  # fmt: skip
        recorded = True
    session.commit()
    if recorded:
        deliver_soon()
    return _booking_out(booking)


@router.post("/release", status_code=204)
def release(body: TokenIn, session: SessionDep) -> None:
    release_hold(session, body.hold_token)
    session.commit()


@router.get("/bookings", response_model=BookingOut)
def find(
    session: ReadSessionDep, conversation_id: str | None = None, code: str | None = None
) -> BookingOut:
    """By code (typed by the resident) or the conversation's own active booking."""
    booking = booking_by_code(session, code) if code else None
    if booking is None and conversation_id:
        booking = active_booking(session, conversation_id)
    if booking is None or booking.status != "confirmed":
        raise HTTPException(404, {"reason": "no_booking"})
    return _booking_out(booking)


@router.post("/bookings/{code}/cancel", response_model=BookingOut)
def cancel(code: str, session: SessionDep) -> BookingOut:
    booking = booking_by_code(session, code)
    if booking is None:
        raise HTTPException(404, {"reason": "no_booking"})
    cancel_booking(session, booking, utcnow(), "resident")
    session.commit()
    return _booking_out(booking)
