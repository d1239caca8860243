"""FAQ curation: topics x languages per scope, edit with a preview as residents see it."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import CountyRowDep, SessionDep
from api.staff.deps import Staff, render, require
from core.db import utcnow
from faq.curation import STATE_LABELS, STATES, TOPIC_TITLES, coverage, curation_table, state_of
from faq.models import COUNTY_SCOPE, REVIEW_STATES, FaqAnswer, FaqTopic
from faq.service import save_answer
from i18n.languages import LANGUAGES, SOURCE_LANGUAGE
from scheduler.models import County, Municipality
from staff.service import audit

router = APIRouter(prefix="/staff/faq", tags=["staff"])
Curator = Annotated[Staff, Depends(require("faq.curate"))]
MAX_ANSWER_CHARS = 4000


def _scopes(session: Session, county: County) -> list[tuple[str, str]]:
    towns = session.scalars(
        select(Municipality).where(Municipality.county_id == county.id).order_by(Municipality.name)
    )
    return [(COUNTY_SCOPE, f"ganzer Kreis ({county.name})")] + [(t.slug, t.name) for t in towns]


def _topic(session: Session, county: County, key: str) -> FaqTopic:
    topic = session.scalar(
        select(FaqTopic).where(FaqTopic.county_id == county.id, FaqTopic.key == key)
    )
    if topic is None:
        raise HTTPException(404, "Dieses Thema gibt es nicht.")
    return topic


def _check(county: County, scopes: list[tuple[str, str]], scope: str, language: str) -> None:
    if scope not in dict(scopes) or language not in county.languages:
        raise HTTPException(404, "Diese Sprache oder diesen Ort gibt es hier nicht.")


@router.get("", response_class=HTMLResponse)
def table(
    request: Request,
    session: SessionDep,
    county: CountyRowDep,
    staff: Curator,
    scope: str = COUNTY_SCOPE,
    notice: str = "",
) -> HTMLResponse:
    scopes = _scopes(session, county)
    _check(county, scopes, scope, SOURCE_LANGUAGE)
    rows = curation_table(session, county, scope)
    return render(
        request,
        "faq.html",
        staff,
        rows=rows,
        counts=coverage(rows),
        states=STATES,
        state_labels=STATE_LABELS,
        topic_titles=TOPIC_TITLES,
        languages=LANGUAGES,
        scopes=scopes,
        scope=scope,
        notice=notice,
    )


def _editor(  # type: ignore[no-untyped-def]
    request, session, county, staff, key: str, scope: str, language: str, **context
) -> HTMLResponse:
    scopes = _scopes(session, county)
    _check(county, scopes, scope, language)
    topic = _topic(session, county, key)
    answers = {
        a.language: a
        for a in session.scalars(
            select(FaqAnswer).where(FaqAnswer.topic == topic, FaqAnswer.scope == scope)
        )
    }
    answer = answers.get(language)
    source = answers.get(SOURCE_LANGUAGE)
    county_answer = None
    if answer is None and scope != COUNTY_SCOPE:
        county_answer = session.scalar(
            select(FaqAnswer).where(
                FaqAnswer.topic == topic,
                FaqAnswer.scope == COUNTY_SCOPE,
                FaqAnswer.language == language,
            )
        )
    context.setdefault("text", answer.text if answer else "")
    context.setdefault("review_state", answer.review_state if answer else "draft")
    return render(
        request,
        "faq_edit.html",
        staff,
        topic=topic,
        topic_titles=TOPIC_TITLES,
        scope=scope,
        scope_name=dict(scopes)[scope],
        language=LANGUAGES[language],
        answer=answer,
        state=state_of(answer, source),
        state_labels=STATE_LABELS,
        source=source if language != SOURCE_LANGUAGE else None,
        county_answer=county_answer,
        review_states=REVIEW_STATES,
        max_chars=MAX_ANSWER_CHARS,
        **context,
    )


@router.get("/{key}/{language}", response_class=HTMLResponse)
def edit(
    request: Request,
    key: str,
    language: str,
    session: SessionDep,
    county: CountyRowDep,
    staff: Curator,
    scope: str = COUNTY_SCOPE,
) -> HTMLResponse:
    return _editor(request, session, county, staff, key, scope, language)


@router.post("/{key}/{language}", response_class=HTMLResponse)
def save(
    request: Request,
    key: str,
    language: str,
    session: SessionDep,
    county: CountyRowDep,
    staff: Curator,
    text: Annotated[str, Form(max_length=MAX_ANSWER_CHARS)],
    review_state: Annotated[str, Form()],
    scope: Annotated[str, Form()] = COUNTY_SCOPE,
    intent: Annotated[str, Form()] = "save",
) -> Response:
    text = text.replace("\r\n", "\n").strip()
    if intent == "preview":
        return _editor(
            request, session, county, staff, key, scope, language,
            text=text, review_state=review_state, preview=text,
        )  # fmt: skip
    if not text:
        return _editor(
            request, session, county, staff, key, scope, language, text=text,
            review_state=review_state, error="Die Antwort ist leer.",
        )  # fmt: skip
    if review_state not in REVIEW_STATES:
        raise HTTPException(422, "Unbekannter Prüfstand.")
    _check(county, _scopes(session, county), scope, language)
    topic = _topic(session, county, key)
    answer = save_answer(
        session, topic, scope, language, text, review_state, editor=staff.user.email
    )
    audit(
        session, staff.user, "faq.edit", utcnow(), "faq_answer", answer.id,
        f"{key} {language} {scope} v{answer.version}",
    )  # fmt: skip
    query = urlencode(
        {"scope": scope, "notice": f"Gespeichert: {key} ({LANGUAGES[language].german_name})."}
    )
    return RedirectResponse(f"/staff/faq?{query}", status_code=303)
