"""Consent and screening in chat, between the held slot and the booking (the booking form).

Each answer is checked here: a button's code or "don't know", numbers in any digits, the
arrival month as people write it, several buttons then "done", free words kept as written.
Triage happens in the api; an outcome other than a KIM appointment ends the booking here.
"""

import re
from datetime import datetime
from typing import Any

from dateutil import parser as dateparser
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import ApiUnavailable, api, release_hold

SCREENING_SLOTS = (
    "consent_given",
    "screen_urgent_need",
    "screen_age",
    "screen_household",
    "screen_residence_status",
    "screen_life_areas",
    "screen_picked",
    "screen_interpreter",
    "screening_correct",
)
# booking_slot values that end the booking form without a booking.
DECLINED = "declined"
TRIAGED = "triaged"
SKIP = "skip"
DONE = "done"
NOTE_MAX_CHARS = 500
# What the resident is told when the triage ends the booking (kim_appointment goes on).
TRIAGE_RESPONSES = {
    "urgent": "utter_triage_urgent",
    "referral": "utter_triage_referral",
    "information": "utter_triage_information",
}
NONE_OF_THESE = "none"


def answers_of(tracker: Tracker) -> dict[str, Any]:
    """The screening answers as the api takes them: field -> code, number or list."""
    fields = tracker.get_slot("screening_fields") or {}
    return {field: tracker.get_slot(f"screen_{field}") for field in fields}


class ScreeningValidation:
    """The booking form's validators for consent and the screening questions."""

    async def validate_consent_given(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}
        if value not in (True, False):
            dispatcher.utter_message(response="utter_answer_yes_or_no")
            return {"consent_given": None}
        try:
            await api.call(
                "POST",
                "/internal/intake/consent",
                json={"conversation_id": tracker.sender_id, "given": value},
            )
            if value is False:
                await release_hold(tracker)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return {"consent_given": None}
        if value is False:
            dispatcher.utter_message(response="utter_consent_declined")
            return {"consent_given": False, "booking_slot": DECLINED, "booking_confirmed": False}
        return {"consent_given": True}

    async def validate_screening_correct(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes: triage. No: the questions again, from the first."""
        if value is None:
            return {}
        if value is False:
            fields = tracker.get_slot("screening_fields") or {}
            return {
                **{f"screen_{field}": None for field in fields},
                "screen_picked": None,
                "screening_correct": None,
            }
        if value is not True:
            dispatcher.utter_message(response="utter_answer_yes_or_no")
            return {"screening_correct": None}
        return await triage(dispatcher, tracker, answers_of(tracker), "screening_correct")

    async def validate_screen_urgent_need(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Someone in urgent need gets help now, not five more questions."""
        checked = await validate_choice("urgent_need", value, dispatcher, tracker)
        if checked.get("screen_urgent_need") != "yes":
            return checked
        return {
            **await triage(dispatcher, tracker, {"urgent_need": "yes"}, "screen_urgent_need"),
            "screen_urgent_need": "yes",
        }


async def triage(
    dispatcher: CollectingDispatcher, tracker: Tracker, answers: dict, slot: str
) -> dict[str, Any]:
    """The county's rules decide: a KIM appointment goes on to booking; anything else ends
    the booking here with the outcome explained (the record still reaches the case system)."""
    try:
        _, result = await api.call(
            "POST",
            "/internal/intake/assess",
            json={"conversation_id": tracker.sender_id, "answers": answers},
        )
        if result["outcome"] != "kim_appointment":
            await release_hold(tracker)
    except ApiUnavailable:
        dispatcher.utter_message(response="utter_booking_unavailable")
        return {slot: None}
    if result["outcome"] == "kim_appointment":
        return {slot: True} if slot == "screening_correct" else {}
    dispatcher.utter_message(
        response=TRIAGE_RESPONSES[result["outcome"]], service=result.get("service")
    )
    return {slot: True, "booking_slot": TRIAGED, "booking_confirmed": False}


async def validate_choice(
    field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """A button's code or "skip"; typed words get the buttons again."""
    if value is None:
        return {}
    codes = (tracker.get_slot("screening_fields") or {}).get(field) or []
    if value == SKIP or value in codes:
        return {f"screen_{field}": value}
    dispatcher.utter_message(response="utter_screening_use_buttons")
    return {f"screen_{field}": None}


def western_digits(text: str) -> str:
    """'٣٤' and '۳۴' -> '34'; everything else stays."""
    return "".join(str(int(ch)) if ch.isdigit() else ch for ch in text)


def first_number(text: str) -> int | None:
    """'34', '٣٤', '۳۴ سال', 'I am 34' -> 34."""
    numbers = re.findall(r"[0-9]+", western_digits(text))
    return int(numbers[0]) if numbers else None


async def validate_number(
    field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    if value is None:
        return {}
    if value == SKIP:
        return {f"screen_{field}": SKIP}
    number = first_number(str(value))
    if number is not None and 0 <= number < 120 and not (field == "age" and number == 0):
        return {f"screen_{field}": number}
    # Numbers look like emergency numbers to NLU; words of an emergency are one.
    if number is None and (tracker.latest_message.get("intent") or {}).get("name") == "emergency":
        dispatcher.utter_message(response="utter_emergency")
    else:
        dispatcher.utter_message(response="utter_screen_age_invalid")
    return {f"screen_{field}": None}


# Month and year in the ways people write them; the day, if given, is not kept.
_DATE_FORMS = (
    (re.compile(r"^(\d{1,2})\D+(\d{4})$"), ("month", "year")),
    (re.compile(r"^(\d{4})\D+(\d{1,2})$"), ("year", "month")),
    (re.compile(r"^\d{1,2}\D+(\d{1,2})\D+(\d{4})$"), ("month", "year")),
    (re.compile(r"^(\d{4})\D+(\d{1,2})\D+\d{1,2}$"), ("year", "month")),
    (re.compile(r"^(\d{4})$"), ("year",)),
)


def parse_month(text: str) -> str | None:
    """'03/2024', '3.2024', '2024-03', '15.03.2024', '2024', 'March 2024', in any digits ->
    '2024-03-01'; None when it is no plausible arrival month."""
    plain = western_digits(text.strip())
    parts: dict[str, int] = {}
    for pattern, names in _DATE_FORMS:
        match = pattern.match(plain)
        if match:
            parts = dict(zip(names, map(int, match.groups()), strict=True))
            break
    else:
        try:
            parsed = dateparser.parse(plain, dayfirst=True, default=datetime(2000, 1, 1))
        except (ValueError, OverflowError):
            return None
        parts = {"month": parsed.month, "year": parsed.year}
    month, year = parts.get("month", 1), parts["year"]
    if not (1 <= month <= 12 and 1950 <= year <= datetime.now().year):
        return None
    return f"{year:04d}-{month:02d}-01"


async def validate_date(
    field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    if value is None:
        return {}
    if value == SKIP:
        return {f"screen_{field}": SKIP}
    month = parse_month(str(value))
    if month is None:
        dispatcher.utter_message(response="utter_screen_date_invalid")
    return {f"screen_{field}": month}


async def validate_multi(
    field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """Several buttons, one at a time, until "done"; "none of these" is an answer too."""
    if value is None:
        return {}
    slot = f"screen_{field}"
    codes = (tracker.get_slot("screening_fields") or {}).get(field) or []
    picked = list(tracker.get_slot("screen_picked") or [])
    if value == NONE_OF_THESE:
        # Where "none" is an answer code (no benefits, nobody helps) it is kept as one.
        return {slot: [NONE_OF_THESE] if NONE_OF_THESE in codes else [], "screen_picked": []}
    if value == DONE:
        return {slot: picked or SKIP, "screen_picked": []}
    if value not in codes:
        dispatcher.utter_message(response="utter_screening_use_buttons")
    elif value not in picked:
        picked.append(value)
    return {slot: None, "screen_picked": picked}


async def validate_note(
    field: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> dict[str, Any]:
    """Free words, kept as written (in the resident's language); a button press is not a note."""
    if value is None:
        return {}
    text = str(value).strip()
    if text == SKIP:
        return {"screen_note": SKIP}
    if text.startswith("/") or not text:
        dispatcher.utter_message(response="utter_screening_use_buttons")
        return {"screen_note": None}
    return {"screen_note": text[:NOTE_MAX_CHARS]}


VALIDATORS = {
    "household": validate_choice,
    "residence_status": validate_choice,
    "interpreter": validate_choice,
    "literacy": validate_choice,
    "contact": validate_choice,
    "age": validate_number,
    "children": validate_number,
    "arrival_date": validate_date,
    "life_areas": validate_multi,
    "benefits": validate_multi,
    "services_involved": validate_multi,
    "languages": validate_multi,
    "note": validate_note,
}


def _validator(field: str):  # type: ignore[no-untyped-def]
    async def validate(
        self: "ScreeningValidation",
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return await VALIDATORS[field](field, value, dispatcher, tracker)

    return validate


for _field in VALIDATORS:
    setattr(ScreeningValidation, f"validate_screen_{_field}", _validator(_field))
