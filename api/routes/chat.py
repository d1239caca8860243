"""The web channel: the chat widget posts here; the answer comes back in the resident's language."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.deps import CountyDep, SettingsDep, get_rasa
from api.errors import ApiError, request_language
from api.rasa import RasaClient, RasaUnavailable
from api.schemas import ChatRequest, ChatResponse, ErrorResponse
from conversations.service import pseudonym, record_message
from core.db import session_scope
from i18n.catalogs import N_, gettext
from i18n.responses import render_named

CHANNEL = "web"
# Said first when the resident's words moved the conversation to another language.
SWITCH_CONFIRMATION = "utter_language_switched"

EMPTY_TEXT = N_("Bitte schreiben Sie eine Nachricht.")
TEXT_TOO_LONG = N_("Ihre Nachricht ist zu lang. Bitte schreiben Sie höchstens {max} Zeichen.")
UNKNOWN_LANGUAGE = N_("Diese Sprache gibt es hier nicht. Diese Sprachen gibt es: {languages}.")
ASSISTANT_UNAVAILABLE = N_(
    "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es in einer Minute noch einmal."
)

router = APIRouter(tags=["channels"])

_ERRORS = {422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}


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

    conversation_id = pseudonym(
        settings.pseudonym_pepper.get_secret_value(), CHANNEL, body.sender_id
    )

    def _record() -> tuple[str, bool]:
        with session_scope() as session:
            conversation, switched = record_message(
                session,
                conversation_id,
                CHANNEL,
                text,
                body.language,
                body.source,
                county.languages,
                county.default_language,
            )
            return conversation.language, switched

    language, switched = await run_in_threadpool(_record)
    metadata = {"language": language, "channel": CHANNEL, "source": body.source}
    try:
        messages = await rasa.send(conversation_id, text, metadata)
    except RasaUnavailable as error:
        raise ApiError(
            503, "assistant_unavailable", gettext(language, ASSISTANT_UNAVAILABLE)
        ) from error
    if switched:
        messages.insert(0, render_named(settings.bot_domain_path, SWITCH_CONFIRMATION, language))
    return ChatResponse(language=language, messages=messages)  # type: ignore[arg-type]
