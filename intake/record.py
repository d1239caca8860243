"""The pre-intake record handed to the case system, and its published JSON Schema.

No chat transcript, no name: the booking, language and interpreter need, the screening answers
as codes with German labels (free text in its original language), the triage outcome and the
rule that fired, the consent it rests on, and where the resident came from.
"""

import uuid
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator

from i18n.languages import LANGUAGES
from intake.screening import FIELDS, german_label
from intake.triage import TriageResult

SCHEMA_VERSION = "1.0"
SCHEMA_ID = f"https://kim-front-door.example/schemas/pre-intake/{SCHEMA_VERSION}.json"

_CODE = {"type": "string", "pattern": "^[a-z0-9_-]+$"}
_ANSWER = {
    "type": "object",
    "oneOf": [
        {
            "properties": {"code": _CODE, "label_de": {"type": "string"}},
            "required": ["code", "label_de"],
            "additionalProperties": False,
        },
        {
            "properties": {
                "codes": {"type": "array", "items": _CODE},
                "labels_de": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["codes", "labels_de"],
            "additionalProperties": False,
        },
        {
            "properties": {"number": {"type": "integer", "minimum": 0, "maximum": 130}},
            "required": ["number"],
            "additionalProperties": False,
        },
        {
            "properties": {"date": {"type": "string", "format": "date"}},
            "required": ["date"],
            "additionalProperties": False,
        },
        {
            "properties": {"text": {"type": "string", "maxLength": 1000}, "language": _CODE},
            "required": ["text", "language"],
            "additionalProperties": False,
        },
    ],
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "KIM pre-intake record",
    "description": "Handed from the KIM front door to the case system before the first meeting.",
    "type": "object",
    "required": [
        "schema_version",
        "record_id",
        "created_at",
        "county",
        "booking",
        "language",
        "screening",
        "triage",
        "consent",
        "source",
    ],  # fmt: skip
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "record_id": {"type": "string", "format": "uuid"},
        # Set when a booking was moved: the record this one takes the place of.
        "replaces": {"type": "string", "format": "uuid"},
        "created_at": {"type": "string", "format": "date-time"},
        "county": _CODE,
        "booking": {
            "type": ["object", "null"],
            "required": ["code", "starts_at", "ends_at", "location", "case_manager"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z0-9]{4}-[A-Z0-9]{4}$"},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "location": {
                    "type": "object",
                    "required": ["key", "name", "address"],
                    "properties": {
                        "key": _CODE,
                        "name": {"type": "string"},
                        "address": {"type": "string"},
                        "room": {"type": "string"},
                    },
                },
                "case_manager": {
                    "type": "object",
                    "required": ["key", "name"],
                    "properties": {"key": _CODE, "name": {"type": "string"}},
                },
            },
        },
        "language": {
            "type": "object",
            "required": ["code", "name_de", "interpreter_needed"],
            "additionalProperties": False,
            "properties": {
                "code": _CODE,
                "name_de": {"type": "string"},
                "interpreter_needed": {"type": ["boolean", "null"]},
            },
        },
        "screening": {
            "type": "object",
            "propertyNames": {"enum": sorted(FIELDS)},
            "additionalProperties": _ANSWER,
        },
        "triage": {
            "type": "object",
            "required": ["outcome", "rule", "rule_description", "service"],
            "additionalProperties": False,
            "properties": {
                "outcome": {"enum": ["information", "referral", "kim_appointment", "urgent"]},
                "rule": _CODE,
                "rule_description": {"type": "string"},
                "service": {
                    "type": ["object", "null"],
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string"},
                        "address": {"type": "string"},
                        "phone": {"type": "string"},
                        "opening_hours": {"type": "string"},
                        "languages": {"type": "array", "items": _CODE},
                    },
                },
            },
        },
        "consent": {
            "type": "object",
            "required": ["id", "text_version", "language", "given_at", "channel"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "text_version": {"type": "string"},
                "language": _CODE,
                "given_at": {"type": "string", "format": "date-time"},
                "channel": _CODE,
            },
        },
        "source": {
            "type": "object",
            "required": ["office", "channel"],
            "additionalProperties": False,
            "properties": {"office": {"type": ["string", "null"]}, "channel": _CODE},
        },
    },
}

VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def screening_section(answers: dict[str, Any], language: str) -> dict[str, dict]:
    """Answers as codes with their German labels; skipped answers are left out."""
    section: dict[str, dict] = {}
    for field, value in answers.items():
        if value in (None, "") or field not in FIELDS:
            continue
        kind = FIELDS[field][0]
        if kind == "multi":
            section[field] = {"codes": value, "labels_de": [german_label(field, v) for v in value]}
        elif kind == "choice":
            section[field] = {"code": value, "label_de": german_label(field, value)}
        elif kind == "number":
            section[field] = {"number": int(value)}
        elif kind == "date":
            section[field] = {"date": str(value)}
        else:
            section[field] = {"text": str(value), "language": language}
    return section


def build_record(
    *,
    county: str,
    created_at: datetime,
    booking: dict | None,
    language: str,
    answers: dict[str, Any],
    result: TriageResult,
    consent: dict,
    source_office: str | None,
    channel: str,
) -> dict[str, Any]:
    interpreter = answers.get("interpreter")
    record = {
        "schema_version": SCHEMA_VERSION,
        "record_id": str(uuid.uuid4()),
        "created_at": created_at.isoformat(),
        "county": county,
        "booking": booking,
        "language": {
            "code": language,
            "name_de": LANGUAGES[language].german_name,
            "interpreter_needed": None if interpreter is None else interpreter == "yes",
        },
        "screening": screening_section(answers, language),
        "triage": {
            "outcome": result.outcome,
            "rule": result.rule.id,
            "rule_description": result.rule.description,
            "service": result.service.model_dump() if result.service else None,
        },
        "consent": consent,
        "source": {"office": source_office, "channel": channel},
    }
    VALIDATOR.validate(record)
    return record
