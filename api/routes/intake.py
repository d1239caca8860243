"""Internal intake endpoints the action server calls: consent, screening, triage, the record."""

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.deps import CountyRowDep, SessionDep, require_internal_token
from conversations.models import Conversation
from core.db import utcnow
from intake.models import Consent
from intake.screening import FIELDS, ScreeningConfig, normalise_answers
from intake.service import (
    assess,
    create_pre_intake,
    current_consent,
    forget_conversation,
    record_consent,
)

router = APIRouter(
    prefix="/internal/intake", tags=["internal"], dependencies=[Depends(require_internal_token)]
)


class ConsentIn(BaseModel):
    conversation_id: str
    given: bool


class ConsentOut(BaseModel):
    id: int
    given: bool


class AnswersIn(BaseModel):
    conversation_id: str
    answers: dict[str, Any]


class AssessmentOut(BaseModel):
    outcome: str
    rule: str
    service: dict | None
    # Set when the outcome ends the conversation's booking: the record went to the case system.
    record_id: int | None = None


def conversation_or_404(session: Session, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise HTTPException(404, {"reason": "unknown_conversation"})
    return conversation


def consent_or_409(session: Session, conversation_id: str) -> Consent:
    consent = current_consent(session, conversation_id)
    if consent is None:
        raise HTTPException(409, {"reason": "no_consent"})
    return consent


@router.get("/questions")
async def questions(county: CountyRowDep) -> dict[str, dict[str, list[str]]]:
    """The screening fields this county asks, in order, each with its answer codes."""
    fields = ScreeningConfig.model_validate(county.screening or {}).fields
    return {"fields": {field: list(FIELDS[field][1]) for field in fields}}


@router.post("/consent", response_model=ConsentOut, status_code=201)
def consent(body: ConsentIn, session: SessionDep, county: CountyRowDep) -> ConsentOut:
    conversation = conversation_or_404(session, body.conversation_id)
    row = record_consent(
        session,
        county,
        conversation.id,
        given=body.given,
        language=conversation.language,
        channel=conversation.channel,
        now=utcnow(),
    )
    session.commit()  # before the answer (api/deps.py SessionDep)
    return ConsentOut(id=row.id, given=row.given)


@router.post("/assess", response_model=AssessmentOut)
def assess_answers(body: AnswersIn, session: SessionDep, county: CountyRowDep) -> AssessmentOut:
    """Triage. Unless the outcome is a KIM appointment, the record goes out now, without one."""
    conversation = conversation_or_404(session, body.conversation_id)
    consent = consent_or_409(session, conversation.id)
    answers = normalise_answers(body.answers)
    result = assess(county, answers)
    record_id = None
    if result.outcome != "kim_appointment":
        record = create_pre_intake(
            session, county, conversation_id=conversation.id, consent=consent, answers=answers,
            booking=None, language=conversation.language, channel=conversation.channel,
            source_office=conversation.source, now=utcnow(),
        )  # fmt: skip
        record_id = record.id
    session.commit()
    return AssessmentOut(
        outcome=result.outcome,
        rule=result.rule.id,
        service=result.service.model_dump() if result.service else None,
        record_id=record_id,
    )


class ForgetIn(BaseModel):
    conversation_id: str


@router.post("/forget")
def forget(body: ForgetIn, session: SessionDep) -> dict[str, int]:
    deleted = forget_conversation(session, body.conversation_id, utcnow())
    session.commit()
    return deleted
