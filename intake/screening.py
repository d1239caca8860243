"""The screening questions' answers as codes, each with the German label caseworkers read.

Sources: Dormagen's pre-intake form (001:L4504-4580), the Moers catalogue (001:L2449-2461),
Wesel's life areas (004:104); see shared/design/domain.md. A county's config chooses which
fields are asked; triage rules may only name fields and codes listed here.
"""

import re
import unicodedata
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, field_validator

from i18n.languages import LANGUAGES

FieldKind = Literal["choice", "multi", "number", "date", "text"]

# field -> (kind, {code: German label}); numbers and dates have no codes.
FIELDS: dict[str, tuple[FieldKind, dict[str, str]]] = {
    # The town of residence (a municipality slug of the county), known from the booking.
    "municipality": ("choice", {}),
    "age": ("number", {}),
    "household": (
        "choice",
        {
            "single": "alleinstehend",
            "couple": "Paar ohne Kinder",
            "family": "Familie mit Kindern",
            "single_parent": "alleinerziehend",
        },
    ),
    "children": ("number", {}),
    "arrival_date": ("date", {}),
    "residence_status": (
        "choice",
        {
            "gestattung": "Aufenthaltsgestattung (Asylverfahren)",
            "duldung": "Duldung",
            "aufenthaltserlaubnis": "Aufenthaltserlaubnis",
            "temporary_protection": "vorübergehender Schutz (§ 24 AufenthG)",
            "niederlassungserlaubnis": "Niederlassungserlaubnis",
            "eu_citizen": "EU-Bürgerin/EU-Bürger",
            "short_visa": "Visum bis 3 Monate oder Gesundheitsvisum",
            "student": "Studium (Visum oder Aufenthaltserlaubnis zum Studium)",
            "other": "anderer Status",
        },
    ),
    "benefits": (
        "multi",
        {
            "asylblg": "Leistungen nach AsylbLG",
            "sgb2": "Bürgergeld (SGB II, Jobcenter)",
            "sgb12": "Sozialhilfe (SGB XII)",
            "own_income": "eigenes Einkommen",
            "none": "keine Leistungen",
        },
    ),
    "services_involved": (
        "multi",
        {
            "jmd": "Jugendmigrationsdienst (JMD)",
            "mbe": "Migrationsberatung für Erwachsene (MBE)",
            "jobcenter": "Jobcenter",
            "sozialamt": "Sozialamt",
            "jugendamt": "Jugendamt",
            "refugee_counselling": "Flüchtlingsberatung",
            "durchstarten": "Durchstarten in Ausbildung und Arbeit",
            "lawyer": "Anwältin/Anwalt",
            "volunteers": "Ehrenamtliche",
            "none": "niemand",
        },
    ),
    "life_areas": (
        "multi",
        {
            "residence": "Aufenthalt",
            "language": "Sprache",
            "work": "Arbeit und Ausbildung",
            "recognition": "Anerkennung von Abschlüssen",
            "housing": "Wohnen",
            "health": "Gesundheit",
            "family": "Familie und Kinder",
            "money": "Geld",
            "mobility": "Mobilität",
            "participation": "soziale Teilhabe",
        },
    ),
    "urgent_need": ("choice", {"yes": "ja, dringend", "no": "nein"}),
    "interpreter": ("choice", {"yes": "Dolmetscher nötig", "no": "kein Dolmetscher nötig"}),
    "literacy": (
        "choice",
        {
            "reads_well": "liest gut",
            "reads_little": "liest wenig",
            "does_not_read": "liest nicht",
        },
    ),
    "contact": (
        "choice",
        {"chat": "Chat/Messenger", "phone": "Telefon", "letter": "Brief"},
    ),
    # Languages the resident speaks (registry codes), besides the chat's language.
    "languages": (
        "multi",
        {code: language.german_name for code, language in LANGUAGES.items()}
        | {"other": "andere Sprache"},
    ),
    # Free text, kept in the language it was written in.
    "note": ("text", {}),
}


# What each field is called where caseworkers read it (staff pages, PDF reports).
FIELD_TITLES_DE = {
    "municipality": "Wohnort",
    "age": "Alter",
    "household": "Haushalt",
    "children": "Kinder",
    "arrival_date": "Ankunft in Deutschland",
    "residence_status": "Aufenthaltsstatus",
    "benefits": "Leistungen",
    "services_involved": "Schon beteiligte Stellen",
    "life_areas": "Lebensbereiche mit Bedarf",
    "urgent_need": "Dringender Bedarf",
    "interpreter": "Dolmetscher",
    "literacy": "Lesen",
    "contact": "Bevorzugter Kontakt",
    "languages": "Weitere Sprachen",
    "note": "Notiz (Originalsprache)",
}


def german_label(field: str, code: str) -> str:
    return FIELDS[field][1].get(code, code)


# Asked by default, in this order; urgent need first, so help comes before the questions.
DEFAULT_FIELDS = [
    "urgent_need", "age", "household", "residence_status", "life_areas", "interpreter",
]  # fmt: skip
# Every question the chat can ask (each has its utter_ask_screen_<field> in bot/domain.yml).
CHAT_FIELDS = [
    *DEFAULT_FIELDS, "children", "arrival_date", "benefits", "services_involved", "literacy",
    "contact", "languages", "note",
]  # fmt: skip
# The resident's answer for "I don't know / I skip this question".
SKIP = "skip"


class ScreeningConfig(BaseModel):
    """`screening` in the county config: which questions the chat asks."""

    fields: list[str] = DEFAULT_FIELDS

    @field_validator("fields")
    @classmethod
    def _known(cls, fields: list[str]) -> list[str]:
        unknown = [f for f in fields if f not in CHAT_FIELDS]
        if unknown:
            raise ValueError(f"the chat has no question for: {unknown} (it can ask {CHAT_FIELDS})")
        return fields


def parse_number(text: str) -> int | None:
    """'34', '٣٤', '۳۴', 'I am 34' -> 34: digits of any script, the first number in the text."""
    digits = "".join(
        str(unicodedata.digit(ch))
        if unicodedata.category(ch) == "Nd"
        else (" " if not ch.isdigit() else ch)
        for ch in text
    )
    match = re.search(r"\d+", digits)
    return int(match.group()) if match else None


def normalise_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Only known fields and codes; skipped answers are left out (never guessed). An empty list
    stays: "none of these" is an answer."""
    clean: dict[str, Any] = {}
    for field, value in answers.items():
        if field not in FIELDS or value in (None, SKIP, ""):
            continue
        kind, codes = FIELDS[field]
        if kind == "choice" and (not codes or value in codes):
            clean[field] = value
        elif kind == "multi" and isinstance(value, list):
            clean[field] = [v for v in value if v in codes]
        elif kind == "number":
            number = value if isinstance(value, int) else parse_number(str(value))
            if number is not None and 0 <= number <= 130:
                clean[field] = number
        elif kind == "date":
            try:
                clean[field] = date.fromisoformat(str(value)).isoformat()
            except ValueError:
                continue
        elif kind == "text":
            clean[field] = str(value)[:1000]
    return clean
