"""Case-system delivery: the state of every record's handoff; dead letters re-driven."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from api.deps import CountyRowDep, SessionDep
from api.staff.deps import Staff, render, require
from core.db import utcnow
from intake.models import OutboxMessage, PreIntakeRecord
from intake.outbox import redrive
from intake.tasks import deliver_soon
from scheduler.bookings import format_code
from scheduler.models import Booking
from staff.service import audit

router = APIRouter(prefix="/staff/delivery", tags=["staff"])
Operator = Annotated[Staff, Depends(require("delivery.manage"))]
STATUS_LABELS = {
    "pending": "wartet",
    "delivered": "übergeben",
    "dead": "gescheitert",
    "cancelled": "ersetzt",
    "parked": "zurückgestellt",
}
SHOWN = 200


def _of_county(county_id: int):  # type: ignore[no-untyped-def]
    return (
        select(OutboxMessage, PreIntakeRecord, Booking)
        .join(PreIntakeRecord, PreIntakeRecord.id == OutboxMessage.record_id)
        .outerjoin(Booking, Booking.id == PreIntakeRecord.booking_id)
        .where(PreIntakeRecord.county_id == county_id)
    )


@router.get("", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    county: CountyRowDep,
    staff: Operator,
    status: str = "",
    notice: str = "",
) -> HTMLResponse:
    counts = dict(
        session.execute(
            select(OutboxMessage.status, func.count())
            .join(PreIntakeRecord, PreIntakeRecord.id == OutboxMessage.record_id)
            .where(PreIntakeRecord.county_id == county.id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    query = _of_county(county.id).order_by(OutboxMessage.created_at.desc()).limit(SHOWN)
    if status in STATUS_LABELS:
        query = query.where(OutboxMessage.status == status)
    return render(
        request,
        "delivery.html",
        staff,
        counts=counts,
        rows=session.execute(query).all(),
        labels=STATUS_LABELS,
        status=status,
        shown=SHOWN,
        format_code=format_code,
        adapter=(county.case_system or {}).get("adapter", "log"),
        notice=notice,
    )


@router.post("/{message_id}/redrive")
def redrive_one(
    message_id: int, session: SessionDep, county: CountyRowDep, staff: Operator
) -> Response:
    row = session.execute(_of_county(county.id).where(OutboxMessage.id == message_id)).first()
    if row is None:
        raise HTTPException(404, "Diese Übergabe gibt es nicht.")
    message = row[0]
    now = utcnow()
    was_dead = message.status == "dead"
    redrive(session, message, now)
    audit(session, staff.user, "delivery.redrive", now, "outbox", message.id)
    session.commit()
    if was_dead:
        deliver_soon()
    notice = "Wird neu übergeben." if was_dead else "Diese Übergabe ist nicht gescheitert."
    return RedirectResponse(f"/staff/delivery?{urlencode({'notice': notice})}", status_code=303)


@router.post("/redrive-all")
def redrive_all(session: SessionDep, county: CountyRowDep, staff: Operator) -> Response:
    now = utcnow()
    dead = session.scalars(
        select(OutboxMessage)
        .join(PreIntakeRecord, PreIntakeRecord.id == OutboxMessage.record_id)
        .where(PreIntakeRecord.county_id == county.id, OutboxMessage.status == "dead")
    ).all()
    for message in dead:
        redrive(session, message, now)
    audit(session, staff.user, "delivery.redrive_all", now, "outbox", "", f"{len(dead)} Einträge")
    session.commit()
    if dead:
        deliver_soon()
    notice = f"{len(dead)} gescheiterte Übergaben werden neu versucht."
    return RedirectResponse(f"/staff/delivery?{urlencode({'notice': notice})}", status_code=303)
