"""Slots and bookings in the resident's words: dates, times and places in their language.

The api's NLG endpoint fills response placeholders ({when}, {place}, ...) and builds the
dynamic buttons with these; nothing here writes.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time
from sqlalchemy import select
from sqlalchemy.orm import Session

from i18n.catalogs import N_, gettext
from i18n.languages import LANGUAGES
from scheduler.bookings import booking_by_code, format_code
from scheduler.models import Booking, County, Location, Municipality

STEP_FREE = N_("Der Eingang ist ohne Stufen.")
NOT_STEP_FREE = N_("Der Eingang hat Stufen. Brauchen Sie Hilfe? Sagen Sie es uns vorher.")
BY_BUS = N_("Mit dem Bus: {bus}")
ROOM = N_("Raum: {room}")


def format_when(moment: datetime, language: str, timezone: str) -> str:
    """'Dienstag 24. November, 09:00' in the resident's language, in local time."""
    local = moment.astimezone(ZoneInfo(timezone))
    locale = LANGUAGES[language].babel_locale
    weekday = format_date(local, "EEEE", locale=locale)
    day = format_skeleton("MMMMd", local, locale=locale)
    return f"{weekday} {day}, {format_time(local, 'HH:mm', locale=locale)}"


def place_lines(location: Location, language: str) -> str:
    """Name, room, address, access and bus, one per line; proper names stay as they are."""
    lines = [location.name]
    if location.room:
        lines.append(gettext(language, ROOM, room=location.room))
    lines.append(location.address)
    lines.append(gettext(language, STEP_FREE if location.step_free else NOT_STEP_FREE))
    if location.bus:
        lines.append(gettext(language, BY_BUS, bus=location.bus))
    return "\n".join(lines)


def slot_title(starts_at: datetime, location: Location, language: str, timezone: str) -> str:
    return f"{format_when(starts_at, language, timezone)} – {location.municipality.name}"


def booking_variables(
    session: Session, county: County, code: str, language: str, base_url: str
) -> dict[str, str]:
    """Placeholders of every response about one booking (confirmed, check, cancel)."""
    booking = booking_by_code(session, code)
    if booking is None:
        return {}
    return booking_fields(county, booking, language, base_url)


def booking_fields(county: County, booking: Booking, language: str, base_url: str) -> dict:
    return {
        "code": format_code(booking.code or ""),
        "when": format_when(booking.starts_at, language, county.timezone),
        "place": place_lines(booking.location, language),
        "ics_url": f"{base_url}/api/v1/bookings/{booking.code}.ics",
    }


def hold_variables(session: Session, county: County, hold: dict, language: str) -> dict[str, str]:
    location = session.get(Location, int(hold["location_id"]))
    if location is None:
        return {}
    return {
        "when": format_when(datetime.fromisoformat(hold["starts_at"]), language, county.timezone),
        "place": place_lines(location, language),
    }


def slot_buttons(
    session: Session, county: County, slots: list[dict], language: str
) -> list[dict[str, str]]:
    """One button per offered slot; the payload is the form's entity, the title readable."""
    ids = {int(slot["location_id"]) for slot in slots}
    locations = {
        loc.id: loc for loc in session.scalars(select(Location).where(Location.id.in_(ids)))
    }
    return [
        {
            "title": slot_title(
                datetime.fromisoformat(slot["starts_at"]),
                locations[int(slot["location_id"])],
                language,
                county.timezone,
            ),
            "payload": inform_payload("booking_slot", slot["key"]),
        }
        for slot in slots
        if int(slot["location_id"]) in locations
    ]


def municipality_buttons(
    session: Session, county: County, slugs: list[str] | None = None
) -> list[dict[str, str]]:
    query = select(Municipality).where(Municipality.county_id == county.id)
    if slugs:
        query = query.where(Municipality.slug.in_(slugs))
    return [
        {"title": m.name, "payload": inform_payload("booking_municipality", m.slug)}
        for m in session.scalars(query.order_by(Municipality.name))
    ]


def inform_payload(entity: str, value: str) -> str:
    return f'/inform{{"{entity}": "{value}"}}'


# Responses whose buttons list towns or slots (bot/domain.yml); the template adds "cancel".
TOWN_RESPONSES = ("utter_ask_booking_municipality", "utter_booking_municipality_unknown")
SLOT_RESPONSES = ("utter_ask_booking_slot", "utter_booking_slots_nearby")
LATER_PAYLOAD = inform_payload("booking_slot", "later")


def booking_placeholders(
    session: Session, county: County, arguments: dict, language: str, base_url: str
) -> dict[str, str]:
    """{when}, {place}, {code}... from what the action passed: a booking code or a hold."""
    variables = {
        "contact_phone": county.contact.get("phone", ""),
        "contact_email": county.contact.get("email", ""),
        "minutes": str(county.booking_rules.get("hold_minutes", 10)),
    }
    if arguments.get("booking_code"):
        variables |= booking_variables(
            session, county, str(arguments["booking_code"]), language, base_url
        )
    if isinstance(arguments.get("hold"), dict):
        variables |= hold_variables(session, county, arguments["hold"], language)
    return variables


def booking_buttons(
    session: Session,
    county: County,
    response: str,
    arguments: dict,
    language: str,
    template_buttons: list[dict],
) -> list[dict]:
    if response in TOWN_RESPONSES:
        return (
            municipality_buttons(session, county, arguments.get("suggestions")) + template_buttons
        )
    if response in SLOT_RESPONSES:
        buttons = slot_buttons(session, county, arguments.get("slots") or [], language)
        next_after = arguments.get("next_after")
        for button in template_buttons:
            if button["payload"] == LATER_PAYLOAD:
                if next_after:
                    buttons.append(
                        {**button, "payload": inform_payload("booking_slot", f"later:{next_after}")}
                    )
            else:
                buttons.append(button)
        return buttons
    return template_buttons
