"""Free slots, computed from weekly office hours: nothing here writes.

A slot exists when a Sprechstunde recurs on that day, the day is no NRW public holiday or
closure, and the case manager (or their cover) is there. It is free when no active booking of
that case manager overlaps it. Times are computed in the county's zone and returned in UTC,
so the weeks of the clock changes come out right.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from scheduler.models import (
    Absence,
    Booking,
    CaseManager,
    Closure,
    County,
    Location,
    Municipality,
)
from scheduler.schemas import BookingRules

# How many slots one answer shows, and how many of them may come from the wider area.
DEFAULT_LIMIT = 4
PER_DAY = 2
# NRW: the state whose public holidays apply to every county we serve.
SUBDIVISION = "NW"


@dataclass(frozen=True, order=True)
class Slot:
    starts_at: datetime
    location_id: int
    case_manager_id: int
    service: str
    ends_at: datetime = field(compare=False)

    @property
    def key(self) -> str:
        """What a slot button sends back: enough to find the slot again, nothing personal."""
        return (
            f"{self.location_id}-{self.case_manager_id}-"
            f"{self.starts_at.strftime('%Y%m%d%H%M')}-{self.service}"
        )


@dataclass(frozen=True)
class SlotKey:
    location_id: int
    case_manager_id: int
    starts_at: datetime
    service: str


def parse_slot_key(key: str) -> SlotKey | None:
    parts = key.strip().split("-")
    if len(parts) != 4 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    try:
        starts_at = datetime.strptime(parts[2], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None
    return SlotKey(int(parts[0]), int(parts[1]), starts_at, parts[3])


def rules_of(county: County) -> BookingRules:
    return BookingRules.model_validate(county.booking_rules or {})


@lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Germany(subdiv=SUBDIVISION, years=year))


def bookable_window(county: County, now: datetime) -> tuple[date, date]:
    """First and last local day a resident may book (lead days and horizon from the config)."""
    rules = rules_of(county)
    today = now.astimezone(ZoneInfo(county.timezone)).date()
    return today + timedelta(days=rules.lead_days), today + timedelta(days=rules.horizon_days)


class _Availability:
    """Closures and absences for a date range, loaded once per search."""

    def __init__(self, session: Session, county: County, first: date, last: date) -> None:
        self.closed: set[tuple[date, int | None]] = {
            (c.day, c.location_id)
            for c in session.scalars(
                select(Closure).where(
                    Closure.county_id == county.id, Closure.day >= first, Closure.day <= last
                )
            )
        }
        self.absences: dict[int, list[Absence]] = defaultdict(list)
        for absence in session.scalars(
            select(Absence)
            .join(CaseManager, Absence.case_manager_id == CaseManager.id)
            .where(
                CaseManager.county_id == county.id, Absence.ends >= first, Absence.starts <= last
            )
        ):
            self.absences[absence.case_manager_id].append(absence)

    def is_closed(self, day: date, location_id: int) -> bool:
        return (
            day in public_holidays(day.year)
            or (day, None) in self.closed
            or (day, location_id) in self.closed
        )

    def present(self, case_manager_id: int, day: date) -> int | None:
        """Who holds this case manager's Sprechstunde that day: them, their cover, or nobody."""
        for absence in self.absences.get(case_manager_id, []):
            if absence.starts <= day <= absence.ends:
                cover = absence.cover_id
                if cover is None or any(
                    a.starts <= day <= a.ends for a in self.absences.get(cover, [])
                ):
                    return None
                return cover
        return case_manager_id


def generate_slots(
    session: Session,
    county: County,
    locations: list[Location],
    first: date,
    last: date,
    service: str = "intake",
    availability: "_Availability | None" = None,
) -> list[Slot]:
    """Every slot of these locations between two local days, before bookings are looked at.

    A caller that generates for several groups of locations passes one `availability`.
    """
    minutes = rules_of(county).services.get(service)
    if minutes is None or first > last:
        return []
    zone = ZoneInfo(county.timezone)
    length = timedelta(minutes=minutes)
    availability = availability or _Availability(session, county, first, last)
    slots: list[Slot] = []
    for location in locations:
        for hours in location.office_hours:
            if service not in hours.service_list:
                continue
            day = first + timedelta(days=(hours.weekday - first.weekday()) % 7)
            while day <= last:
                if (
                    (hours.valid_from is None or day >= hours.valid_from)
                    and (hours.valid_until is None or day <= hours.valid_until)
                    and not availability.is_closed(day, location.id)
                ):
                    holder = availability.present(hours.case_manager_id, day)
                    if holder is not None:
                        start = datetime.combine(day, hours.starts, zone)
                        end_of_block = datetime.combine(day, hours.ends, zone)
                        while start + length <= end_of_block:
                            slots.append(
                                Slot(
                                    start.astimezone(UTC),
                                    location.id,
                                    holder,
                                    service,
                                    (start + length).astimezone(UTC),
                                )
                            )
                            start += length
                day += timedelta(days=7)
    slots.sort()
    return slots


def active_bookings_filter(now: datetime):  # type: ignore[no-untyped-def]
    """Bookings that occupy their slot: confirmed, or held and not yet expired."""
    return or_(
        Booking.status == "confirmed",
        (Booking.status == "held") & (Booking.hold_expires_at > now),
    )


def free_only(session: Session, slots: list[Slot], now: datetime) -> list[Slot]:
    """Drops slots an active booking overlaps; an expired hold no longer counts (lazy expiry)."""
    if not slots:
        return []
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    rows = session.execute(
        select(Booking.case_manager_id, Booking.starts_at, Booking.ends_at).where(
            Booking.case_manager_id.in_({s.case_manager_id for s in slots}),
            Booking.starts_at < max(s.ends_at for s in slots),
            Booking.ends_at > min(s.starts_at for s in slots),
            active_bookings_filter(now),
        )
    )
    for manager_id, starts_at, ends_at in rows:
        busy[manager_id].append((starts_at, ends_at))
    return [
        slot
        for slot in slots
        if slot.starts_at > now
        and not any(
            start < slot.ends_at and end > slot.starts_at
            for start, end in busy.get(slot.case_manager_id, [])
        )
    ]


def _locations(session: Session, county: County) -> list[Location]:
    return list(
        session.scalars(
            select(Location)
            .where(Location.county_id == county.id, Location.active.is_(True))
            .options(
                selectinload(Location.office_hours),
                selectinload(Location.serves),
                selectinload(Location.municipality),
            )
            .order_by(Location.id)
        )
    )


def rank_locations(
    locations: list[Location], municipality: Municipality
) -> tuple[list[Location], list[Location], list[Location]]:
    """Own municipality first, then the same cluster, then the rest of the county."""
    own, cluster, rest = [], [], []
    for location in locations:
        served = [location.municipality, *location.serves]
        if any(m.id == municipality.id for m in served):
            own.append(location)
        elif municipality.cluster_id is not None and any(
            m.cluster_id == municipality.cluster_id for m in served
        ):
            cluster.append(location)
        else:
            rest.append(location)
    return own, cluster, rest


@dataclass
class SlotSearch:
    slots: list[Slot]
    # "own", "cluster" or "county": how far the search had to go; None when nothing is free.
    scope: str | None
    # The local day to continue from for "other days", or None at the end of the horizon.
    next_after: date | None
    locations: dict[int, Location]


def search_slots(
    session: Session,
    county: County,
    municipality: Municipality,
    now: datetime,
    after: date | None = None,
    service: str = "intake",
    limit: int = DEFAULT_LIMIT,
) -> SlotSearch:
    """The next free slots for a resident of this municipality, nearest places first."""
    first, last = bookable_window(county, now)
    if after is not None:
        first = max(first, after)
    locations = _locations(session, county)
    by_id = {location.id: location for location in locations}
    own, cluster, rest = rank_locations(locations, municipality)

    zone = ZoneInfo(county.timezone)
    # Closures and absences once per search, not once per group of locations.
    availability = _Availability(session, county, first, last)

    def free(group: list[Location]) -> list[Slot]:
        generated = generate_slots(session, county, group, first, last, service, availability)
        return spread_over_days(free_only(session, generated, now), zone)

    own_free, cluster_free = free(own), free(cluster)
    if own_free or cluster_free:
        # Mostly the own town; the wider area fills up, so a far earlier slot is visible too.
        chosen = own_free[: limit - 1] if cluster_free else own_free[:limit]
        chosen += cluster_free[: limit - len(chosen)]
        candidates, scope = own_free + cluster_free, "own" if own_free else "cluster"
    else:
        candidates, scope = free(rest), "county"
        chosen = candidates[:limit]
    chosen.sort()
    if not chosen:
        return SlotSearch([], None, None, by_id)
    last_shown = max(s.starts_at for s in chosen).astimezone(zone).date()
    more = any(s.starts_at.astimezone(zone).date() > last_shown for s in candidates)
    return SlotSearch(chosen, scope, last_shown + timedelta(days=1) if more else None, by_id)


def spread_over_days(slots: list[Slot], zone: ZoneInfo, per_day: int = PER_DAY) -> list[Slot]:
    """At most a few slots per day and place, so one answer shows several days to choose from."""
    seen: dict[tuple[date, int], int] = defaultdict(int)
    kept = []
    for slot in slots:
        day = (slot.starts_at.astimezone(zone).date(), slot.location_id)
        if seen[day] < per_day:
            seen[day] += 1
            kept.append(slot)
    return kept


def offered_slot(session: Session, county: County, key: SlotKey, now: datetime) -> Slot | None:
    """The slot a key names, if the office hours really offer it today (a key can be forged)."""
    location = session.get(Location, key.location_id)
    if location is None or location.county_id != county.id or not location.active:
        return None
    first, last = bookable_window(county, now)
    day = key.starts_at.astimezone(ZoneInfo(county.timezone)).date()
    if not first <= day <= last:
        return None
    for slot in generate_slots(session, county, [location], day, day, key.service):
        if slot.starts_at == key.starts_at and slot.case_manager_id == key.case_manager_id:
            return slot
    return None
