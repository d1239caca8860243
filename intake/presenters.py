"""Screening in the resident's words: the summary to check, the outcome with contact data.

Answer labels are the button titles of the questions in bot/domain.yml, translated like every
button; so the summary says exactly what the resident pressed.
"""

import json
import re
from typing import Any

from i18n.catalogs import N_, gettext, pgettext
from i18n.extract import BUTTON_CONTEXT
from i18n.languages import LANGUAGES
from i18n.responses import ResponseTemplate

FIELD_NAMES = {
    "urgent_need": N_("Dringend"),
    "age": N_("Alter"),
    "household": N_("Haushalt"),
    "residence_status": N_("Aufenthalt"),
    "life_areas": N_("Hilfe bei"),
    "interpreter": N_("Dolmetscher"),
    "children": N_("Kinder"),
    "arrival_date": N_("In Deutschland seit"),
    "benefits": N_("Geld von"),
    "services_involved": N_("Hilfe von"),
    "literacy": N_("Lesen"),
    "contact": N_("Kontakt"),
    "languages": N_("Sprachen"),
    "note": N_("Ihre Nachricht"),
}
DATE = re.compile(r"^(\d{4})-(\d{2})-\d{2}$")
CHOSEN = N_("Gewählt: {areas}")
SKIPPED = N_("weiß nicht")
NONE_OF_THESE = "none"
_PAYLOAD = re.compile(r"^/inform(\{.*\})$")


def _labels(templates: dict[str, ResponseTemplate], field: str, language: str) -> dict[str, str]:
    """code -> translated button title, from the question's buttons."""
    labels = (
        {code: lang.native_name for code, lang in LANGUAGES.items()} if field == "languages" else {}
    )
    template = templates.get(f"utter_ask_screen_{field}")
    for button in template.buttons if template else ():
        match = _PAYLOAD.match(button.payload)
        if match:
            code = next(iter(json.loads(match.group(1)).values()))
            labels[code] = pgettext(language, BUTTON_CONTEXT, button.title)
    return labels


def _answer(value: Any, labels: dict[str, str], language: str) -> str:
    if value in (None, "skip"):
        return gettext(language, SKIPPED)
    if isinstance(value, list):
        if not value:
            return labels.get(NONE_OF_THESE, "–")
        return ", ".join(labels.get(v, v) for v in value)
    if date := DATE.match(str(value)):
        return f"{date.group(2)}/{date.group(1)}"
    return labels.get(str(value), str(value))


def screening_placeholders(
    templates: dict[str, ResponseTemplate],
    slots: dict[str, Any],
    arguments: dict[str, Any],
    language: str,
) -> dict[str, str]:
    fields = slots.get("screening_fields") or {}
    lines = []
    for field in fields:
        name = gettext(language, FIELD_NAMES.get(field, field))
        value = slots.get(f"screen_{field}")
        lines.append(f"{name}: {_answer(value, _labels(templates, field, language), language)}")
    # The question with several buttons being asked: what was pressed so far.
    picked = slots.get("screen_picked") or []
    asked = str(slots.get("requested_slot") or "").removeprefix("screen_")
    picked_labels = _labels(templates, asked, language)
    variables = {
        "summary": "\n".join(lines),
        "picked": (
            "\n"
            + gettext(language, CHOSEN, areas=", ".join(picked_labels.get(p, p) for p in picked))
            if picked
            else ""
        ),
    }
    service = arguments.get("service")
    if isinstance(service, dict):
        variables |= {
            "service_name": service.get("name", ""),
            "service_address": service.get("address", ""),
            "service_phone": service.get("phone", ""),
            "service_hours": service.get("opening_hours", ""),
        }
    return variables


LANGUAGES_QUESTION = "utter_ask_screen_languages"


def language_buttons(response: str, languages: list[str], template_buttons: list[dict]) -> list:
    """The languages question: one button per enabled language, in its own script."""
    if response != LANGUAGES_QUESTION:
        return template_buttons
    return [
        {
            "title": LANGUAGES[code].native_name,
            "payload": f'/inform{{"screen_languages": "{code}"}}',
        }
        for code in languages
    ] + template_buttons
