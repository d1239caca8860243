"""Calendar files (RFC 5545): one per booking for the resident, a private feed per case manager."""

from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from core.db import utcnow
from i18n.catalogs import N_, gettext
from i18n.languages import LANGUAGES
from scheduler.bookings import format_code
from scheduler.models import Booking, CaseManager, County

PRODUCT_ID = "-//KIM front door//Sprechstunden//DE"

RESIDENT_SUMMARY = N_("Termin beim Integrations-Management")
RESIDENT_DESCRIPTION = N_(
    "Ihr Code: {code}\nBitte bringen Sie mit: Pass oder Ausweis und Ihre Briefe vom Amt."
)


@lru_cache(maxsize=4)
def _timezone_component(tzid: str) -> icalendar.Timezone:
    # Only the years we book in: a short VTIMEZONE that every calendar app reads.
    year = utcnow().year
    return icalendar.Timezone.from_tzid(
        tzid, first_date=date(year - 1, 1, 1), last_date=date(year + 3, 1, 1)
    )


def _calendar(county: County, name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", county.timezone)
    calendar.add_component(_timezone_component(county.timezone))
    return calendar


def _event(booking: Booking, zone: ZoneInfo, summary: str, description: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"booking-{booking.id}@kim-front-door")
    event.add("dtstamp", booking.confirmed_at or booking.created_at)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", summary)
    location = booking.location
    where = ", ".join(part for part in (location.name, location.room, location.address) if part)
    event.add("location", where)
    event.add("description", description)
    if booking.status == "cancelled":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def booking_ics(county: County, booking: Booking) -> bytes:
    """The resident's calendar file, in their language, with the Europe/Berlin zone."""
    zone = ZoneInfo(county.timezone)
    summary = gettext(booking.language, RESIDENT_SUMMARY)
    calendar = _calendar(county, summary)
    description = gettext(booking.language, RESIDENT_DESCRIPTION, code=format_code(booking.code))
    calendar.add_component(_event(booking, zone, summary, description))
    return calendar.to_ical()


def case_manager_feed(county: County, manager: CaseManager, bookings: Iterable[Booking]) -> bytes:
    """Booked slots only, with the code and the language: nothing else about the person."""
    zone = ZoneInfo(county.timezone)
    calendar = _calendar(county, f"KIM Sprechstunden – {manager.name}")
    for booking in bookings:
        language = LANGUAGES[booking.language].german_name
        summary = f"KIM Erstgespräch {format_code(booking.code)} ({language})"
        description = f"Code {format_code(booking.code)}. Sprache: {language}."
        calendar.add_component(_event(booking, zone, summary, description))
    return calendar.to_ical()
