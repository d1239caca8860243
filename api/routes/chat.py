"""The web channel: the chat widget posts here; the answer comes back in the resident's language."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.channels.dialogue import (
    ASSISTANT_UNAVAILABLE,
    TEXT_TOO_LONG,
    TOO_MANY_MESSAGES,
    AssistantUnavailable,
    TooManyMessages,
    converse,
)
from api.deps import CountyDep, SettingsDep, get_rasa
from api.errors import ApiError, request_language
from api.rasa import RasaClient
from api.schemas import ChatRequest, ChatResponse, ErrorResponse
from i18n.catalogs import N_, gettext

CHANNEL = "web"

EMPTY_TEXT = N_("Bitte schreiben Sie eine Nachricht.")
UNKNOWN_LANGUAGE = N_("Diese Sprache gibt es hier nicht. Diese Sprachen gibt es: {languages}.")
router = APIRouter(tags=["channels"])

_ERRORS = {code: {"model": ErrorResponse} for code in (422, 429, 503)}


@router.post("/api/v1/chat", response_model=ChatResponse, responses=_ERRORS)  # type: ignore[arg-type]
async def chat(
    body: ChatRequest,
    request: Request,
    settings: SettingsDep,
    county: CountyDep,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
) -> ChatResponse:
    if body.language is not None and body.language not in county.languages:
        languages = ", ".join(county.languages)
        message = gettext(request_language(request), UNKNOWN_LANGUAGE, languages=languages)
        raise ApiError(422, "unknown_language", message, field="language")
    error_language = body.language or request_language(request)
    text = body.text.strip()
    if not text:
        raise ApiError(422, "empty_text", gettext(error_language, EMPTY_TEXT), field="text")
    if len(text) > settings.chat_max_chars:
        message = gettext(error_language, TEXT_TOO_LONG, max=settings.chat_max_chars)
        raise ApiError(422, "text_too_long", message, field="text")

    try:
        reply = await converse(
            settings, county, rasa, channel=CHANNEL, sender=body.sender_id, text=text,
            language=body.language, source=body.source,
        )  # fmt: skip
    except TooManyMessages as error:
        message = gettext(error.language, TOO_MANY_MESSAGES)
        raise ApiError(429, "too_many_messages", message) from error
    except AssistantUnavailable as error:
        message = gettext(error.language, ASSISTANT_UNAVAILABLE)
        raise ApiError(503, "assistant_unavailable", message) from error
    return ChatResponse(language=reply.language, messages=reply.messages)  # type: ignore[arg-type]
