"""Writes to FAQ content happen here; the bot reads answers through `find_answer`."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from faq.models import COUNTY_SCOPE, REVIEW_STATES, VISIBLE_STATES, FaqAnswer, FaqTopic
from faq.schemas import FaqLanguageFile
from i18n.languages import SOURCE_LANGUAGE
from scheduler.models import County


def save_answer(
    session: Session,
    topic: FaqTopic,
    scope: str,
    language: str,
    text: str,
    review_state: str,
    editor: str | None = None,
) -> FaqAnswer:
    """Create or change one answer. A changed German text makes its translations outdated."""
    if review_state not in REVIEW_STATES:
        raise ValueError(f"unknown review state {review_state!r}")
    answer = session.scalar(
        select(FaqAnswer).where(
            FaqAnswer.topic == topic, FaqAnswer.scope == scope, FaqAnswer.language == language
        )
    )
    source = None if language == SOURCE_LANGUAGE else _source(session, topic, scope)
    if answer is None:
        answer = FaqAnswer(topic=topic, scope=scope, language=language, text=text, version=1)
        answer.source_version = source.version if source else None
        session.add(answer)
    elif answer.text != text:
        answer.text = text
        answer.version += 1
        if source is not None:
            answer.source_version = source.version  # translated from the current German text
    answer.review_state = review_state
    answer.updated_at = utcnow()
    answer.updated_by = editor
    session.flush()
    return answer


def _source(session: Session, topic: FaqTopic, scope: str) -> FaqAnswer | None:
    return session.scalar(
        select(FaqAnswer).where(
            FaqAnswer.topic == topic,
            FaqAnswer.scope == scope,
            FaqAnswer.language == SOURCE_LANGUAGE,
        )
    )


def is_outdated(session: Session, answer: FaqAnswer) -> bool:
    if answer.language == SOURCE_LANGUAGE:
        return False
    source = _source(session, answer.topic, answer.scope)
    return source is not None and (answer.source_version or 0) < source.version


def load_faq_content(session: Session, county: County, contents: list[FaqLanguageFile]) -> int:
    """Load curated content files (German first, see read_faq_content); idempotent.

    An answer staff have edited on the curation page is theirs: files never overwrite it.
    """
    topics = {
        topic.key: topic
        for topic in session.scalars(select(FaqTopic).where(FaqTopic.county_id == county.id))
    }
    saved = 0
    for content in contents:
        scopes = {COUNTY_SCOPE: content.answers, **content.municipalities}
        for scope, answers in scopes.items():
            for key, text in answers.items():
                if key not in topics:
                    topics[key] = FaqTopic(county_id=county.id, key=key)
                    session.add(topics[key])
                    session.flush()
                if _edited_by_staff(session, topics[key], scope, content.language):
                    continue
                save_answer(
                    session, topics[key], scope, content.language, text, content.review_state
                )
                saved += 1
    return saved


def _edited_by_staff(session: Session, topic: FaqTopic, scope: str, language: str) -> bool:
    return bool(
        session.scalar(
            select(FaqAnswer.updated_by).where(
                FaqAnswer.topic == topic, FaqAnswer.scope == scope, FaqAnswer.language == language
            )
        )
    )


def find_answer(
    session: Session, county_slug: str, topic: str, language: str, municipality: str | None = None
) -> str | None:
    """The municipality's answer if there is one, else the county's; never a draft."""
    scopes = [municipality, COUNTY_SCOPE] if municipality else [COUNTY_SCOPE]
    rows = session.execute(
        select(FaqAnswer.scope, FaqAnswer.text)
        .join(FaqTopic)
        .join(County, County.id == FaqTopic.county_id)
        .where(
            County.slug == county_slug,
            FaqTopic.key == topic,
            FaqAnswer.language == language,
            FaqAnswer.scope.in_(scopes),
            FaqAnswer.review_state.in_(VISIBLE_STATES),
        )
    ).all()
    by_scope = dict(rows)
    return next((by_scope[scope] for scope in scopes if scope in by_scope), None)
