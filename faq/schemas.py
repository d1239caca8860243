"""FAQ content files: `config/faq/<county>/<language>.yml`, one file per language.

language: de                    # German is the source; other files translate it
review_state: reviewed          # of every answer in the file
answers:                        # the county's answer per topic (the faq_* intent)
  faq_registration: ...
municipalities:                 # optional: answers that hold only for one municipality
  brakel:
    faq_registration: ...
"""

from pathlib import Path

import yaml
from pydantic import BaseModel, field_validator

from faq.models import REVIEW_STATES
from i18n.languages import LANGUAGES, SOURCE_LANGUAGE


def _topics(answers: dict[str, str]) -> dict[str, str]:
    wrong = sorted(topic for topic in answers if not topic.startswith("faq_"))
    if wrong:
        raise ValueError(f"topics are faq_* intents, not: {', '.join(wrong)}")
    return {topic: text.strip() for topic, text in answers.items()}


class FaqLanguageFile(BaseModel):
    language: str
    review_state: str = "reviewed"
    answers: dict[str, str]
    municipalities: dict[str, dict[str, str]] = {}

    @field_validator("language")
    @classmethod
    def _language(cls, code: str) -> str:
        if code not in LANGUAGES:
            raise ValueError(f"unknown language code: {code}")
        return code

    @field_validator("review_state")
    @classmethod
    def _state(cls, state: str) -> str:
        if state not in REVIEW_STATES:
            raise ValueError(f"review_state must be one of {', '.join(REVIEW_STATES)}")
        return state

    @field_validator("answers")
    @classmethod
    def _answers(cls, answers: dict[str, str]) -> dict[str, str]:
        return _topics(answers)

    @field_validator("municipalities")
    @classmethod
    def _municipalities(cls, scoped: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        return {slug: _topics(answers) for slug, answers in scoped.items()}


def read_faq_content(directory: Path) -> list[FaqLanguageFile]:
    """Every language file of a county, German first: translations record its version."""
    files = [
        FaqLanguageFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(directory.glob("*.yml"))
    ]
    return sorted(files, key=lambda content: content.language != SOURCE_LANGUAGE)
