"""What the curation page shows: every topic x language for one scope, with its state."""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from faq.models import COUNTY_SCOPE, FaqAnswer, FaqTopic
from i18n.languages import SOURCE_LANGUAGE
from scheduler.models import County

# The order states are listed in: what needs work first.
STATES = ("missing", "outdated", "draft", "machine_translated", "reviewed")
STATE_LABELS = {
    "missing": "fehlt",
    "outdated": "veraltet",
    "draft": "Entwurf",
    "machine_translated": "maschinell übersetzt",
    "reviewed": "geprüft",
}

# How editors read the topic keys (the Rasa intents).
TOPIC_TITLES = {
    "faq_registration": "Anmeldung beim Einwohnermeldeamt",
    "faq_residence": "Aufenthalt (Titel, Duldung, Gestattung, § 24, Ausländerbehörde)",
    "faq_naturalisation": "Einbürgerung",
    "faq_language_course": "Sprachkurse",
    "faq_work": "Arbeit",
    "faq_recognition": "Anerkennung von Abschlüssen",
    "faq_housing": "Wohnen",
    "faq_health": "Gesundheit",
    "faq_school_childcare": "Schule und Kita",
    "faq_benefits": "Leistungen (Jobcenter, Sozialamt)",
    "faq_family_reunification": "Familiennachzug",
    "faq_counselling": "Beratung: KIM, MBE, JMD",
}


@dataclass
class Cell:
    language: str
    state: str
    answer: FaqAnswer | None


def state_of(answer: FaqAnswer | None, source: FaqAnswer | None) -> str:
    if answer is None:
        return "missing"
    if (
        answer.language != SOURCE_LANGUAGE
        and source is not None
        and (answer.source_version or 0) < source.version
    ):
        return "outdated"
    return answer.review_state


def topics_of(session: Session, county: County) -> list[FaqTopic]:
    return list(
        session.scalars(
            select(FaqTopic).where(FaqTopic.county_id == county.id).order_by(FaqTopic.key)
        )
    )


def curation_table(
    session: Session, county: County, scope: str = COUNTY_SCOPE
) -> list[tuple[FaqTopic, list[Cell]]]:
    """Rows of topics, a cell per enabled language (German, the source, first)."""
    languages = [SOURCE_LANGUAGE, *(c for c in county.languages if c != SOURCE_LANGUAGE)]
    topics = topics_of(session, county)
    answers = {
        (answer.topic_id, answer.language): answer
        for answer in session.scalars(
            select(FaqAnswer).where(
                FaqAnswer.topic_id.in_([t.id for t in topics]), FaqAnswer.scope == scope
            )
        )
    }
    rows = []
    for topic in topics:
        source = answers.get((topic.id, SOURCE_LANGUAGE))
        rows.append(
            (
                topic,
                [
                    Cell(
                        code,
                        state_of(answers.get((topic.id, code)), source),
                        answers.get((topic.id, code)),
                    )
                    for code in languages
                ],
            )
        )
    return rows


def coverage(rows: list[tuple[FaqTopic, list[Cell]]]) -> dict[str, Counter[str]]:
    """Per language: how many topics are in which state."""
    counts: dict[str, Counter[str]] = {}
    for _, cells in rows:
        for cell in cells:
            counts.setdefault(cell.language, Counter())[cell.state] += 1
    return counts
