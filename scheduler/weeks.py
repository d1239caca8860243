"""A case manager's week as their calendar shows it: free, held and booked slots."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Booking, CaseManager, County, Location, OfficeHours
from scheduler.slots import generate_slots

# Statuses that keep their place in the calendar (released, expired and cancelled do not).
SHOWN = ("held", "confirmed", "attended", "no_show")


@dataclass
class Entry:
    starts_at: datetime
    ends_at: datetime
    location: Location
    state: str  # free, held, booked, attended, no_show
    booking: Booking | None = None


@dataclass
class Day:
    day: date
    entries: list[Entry] = field(default_factory=list)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def manager_locations(session: Session, manager: CaseManager) -> list[Location]:
    """Where this case manager holds Sprechstunden: the records they may open are from here."""
    return list(
        session.scalars(
            select(Location)
            .join(OfficeHours, OfficeHours.location_id == Location.id)
            .where(OfficeHours.case_manager_id == manager.id)
            .distinct()
            .order_by(Location.name)
        )
    )


def _booking_state(booking: Booking, now: datetime) -> str | None:
    if booking.status == "held":
        return "held" if booking.hold_expires_at > now else None
    return {"confirmed": "booked"}.get(booking.status, booking.status)


def week(
    session: Session, county: County, manager: CaseManager, monday: date, now: datetime
) -> list[Day]:
    """Seven days from `monday`: every slot this manager holds (own or as cover) and bookings."""
    zone = ZoneInfo(county.timezone)
    sunday = monday + timedelta(days=6)
    locations = {
        loc.id: loc
        for loc in session.scalars(select(Location).where(Location.county_id == county.id))
    }
    slots = [
        slot
        for slot in generate_slots(session, county, list(locations.values()), monday, sunday)
        if slot.case_manager_id == manager.id
    ]
    start = datetime.combine(monday, datetime.min.time(), zone)
    bookings = session.scalars(
        select(Booking).where(
            Booking.case_manager_id == manager.id,
            Booking.starts_at >= start,
            Booking.starts_at < start + timedelta(days=7),
            Booking.status.in_(SHOWN),
        )
    )
    entries: dict[tuple[datetime, int], Entry] = {
        (slot.starts_at, slot.location_id): Entry(
            slot.starts_at, slot.ends_at, locations[slot.location_id], "free"
        )
        for slot in slots
    }
    for booking in bookings:
        state = _booking_state(booking, now)
        if state is None:
            continue
        # A booking stays visible even if the office hours it was made in have changed since.
        entries[(booking.starts_at, booking.location_id)] = Entry(
            booking.starts_at, booking.ends_at, booking.location, state, booking
        )
    days = [Day(monday + timedelta(days=offset)) for offset in range(7)]
    for entry in sorted(entries.values(), key=lambda e: e.starts_at):
        days[(entry.starts_at.astimezone(zone).date() - monday).days].entries.append(entry)
    return days
