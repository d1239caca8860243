"""Rasa's NLG callback: every bot text is rendered here, in the conversation's language."""

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from api.channels.messaging import NUMBERED_CHANNELS
from api.deps import CountyDep, ReadSessionDep, SettingsDep, require_internal_token
from conversations.models import Conversation
from conversations.service import language_button_payload
from faq.service import find_answer
from i18n.languages import LANGUAGES
from i18n.responses import load_responses, placeholders, render
from intake.presenters import language_buttons, screening_placeholders
from scheduler.presenters import (
    SLOT_RESPONSES,
    TOWN_RESPONSES,
    booking_buttons,
    booking_placeholders,
)
from scheduler.service import get_county

router = APIRouter(tags=["internal"], dependencies=[Depends(require_internal_token)])

FAQ_RESPONSE = "utter_faq"
DYNAMIC_BUTTONS = (*TOWN_RESPONSES, *SLOT_RESPONSES)
LANGUAGE_CHOICE_RESPONSE = "utter_switch_language"
# "Please press a button": on WhatsApp and SMS the repeated question's numbered choices end
# with "please write the number" instead (api/channels/messaging.py), so these are left out.
BUTTON_HINTS = ("utter_booking_choose_slot", "utter_screening_use_buttons")
# How long Rasa may reuse an answer that depends only on the response, its arguments and the
# language (bot/nlg.py): translations change with a deployment, county settings within this.
CACHE_SECONDS = 60


class NlgRequest(BaseModel):
    """What Rasa 3.6 posts (rasa/core/nlg/callback.py)."""

    response: str
    arguments: dict[str, Any] = {}
    tracker: dict[str, Any] = {}
    channel: dict[str, Any] = {}


def _user_metadata(tracker: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """What the api attached to each of the resident's messages, latest first."""
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "user":
            yield event.get("metadata") or {}


def tracker_language(tracker: dict[str, Any], enabled: list[str]) -> str | None:
    """The language the api attached to the resident's latest message."""
    languages = (metadata.get("language") for metadata in _user_metadata(tracker))
    return next((language for language in languages if language in enabled), None)


def tracker_channel(tracker: dict[str, Any]) -> str | None:
    """The channel the api attached to the resident's latest message (web, whatsapp, ...)."""
    return next((metadata.get("channel") for metadata in _user_metadata(tracker)), None)


@router.post("/internal/nlg")
def nlg(
    body: NlgRequest,
    settings: SettingsDep,
    county: CountyDep,
    session: ReadSessionDep,
) -> dict[str, Any]:
    responses = load_responses(settings.bot_domain_path)
    template = responses.get(body.response)
    if template is None:
        raise HTTPException(404, f"unknown response {body.response!r}")
    if body.response in BUTTON_HINTS and tracker_channel(body.tracker) in NUMBERED_CHANNELS:
        return {"text": "", "buttons": []}  # Rasa sends nothing for an empty text
    language = tracker_language(body.tracker, county.languages)
    language_was_sent = language is not None
    if language is None:
        conversation = session.get(Conversation, body.tracker.get("sender_id", ""))
        language = conversation.language if conversation else county.default_language
    # The same for every conversation in a language: answers using only these are cached.
    fixed = {
        "county_name": county.name,
        "privacy_url": f"{settings.base_url}/privacy?lang={language}",
    }
    variables = {
        **{k: v for k, v in (body.tracker.get("slots") or {}).items() if v is not None},
        **body.arguments,
        **fixed,
    }
    # Most answers need nothing from the database beyond their text: only these look further.
    needs_data = bool(placeholders(template.text) - fixed.keys())
    if needs_data or body.response in DYNAMIC_BUTTONS:
        county_row = get_county(session, county.slug)
        variables |= booking_placeholders(
            session, county_row, body.arguments, language, settings.base_url
        )
        variables |= screening_placeholders(
            responses, body.tracker.get("slots") or {}, body.arguments, language
        )
    message = render(template, body.response, language, variables)
    if body.response in DYNAMIC_BUTTONS:
        message["buttons"] = booking_buttons(
            session, county_row, body.response, body.arguments, language, message["buttons"]
        )
    message["buttons"] = language_buttons(body.response, county.languages, message["buttons"])
    if body.response == FAQ_RESPONSE:
        answer = find_answer(session, county.slug, str(body.arguments.get("topic")), language)
        if answer:
            message["text"] = answer
    elif body.response == LANGUAGE_CHOICE_RESPONSE:
        message["buttons"] = [
            {"title": LANGUAGES[code].native_name, "payload": language_button_payload(code)}
            for code in county.languages
        ]
    # Slots and FAQ answers change at any time; BUTTON_HINTS depend on the channel too. Town
    # buttons are county settings, like the county's name.
    uncacheable = (*SLOT_RESPONSES, FAQ_RESPONSE, *BUTTON_HINTS)
    cacheable = not needs_data and body.response not in uncacheable
    if cacheable and language_was_sent:
        message["cache_seconds"] = CACHE_SECONDS
    return message
