"""Writes to conversations happen here: pseudonymous ids and the conversation's language."""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from conversations.models import Conversation
from core.db import utcnow
from i18n.detect import Detection, detect_language
from i18n.languages import LANGUAGES


def pseudonym(pepper: str, channel: str, sender: str) -> str:
    """A stable conversation id that cannot be turned back into a phone number or chat id."""
    digest = hmac.new(pepper.encode(), f"{channel}:{sender}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


_LANGUAGE_BUTTON = re.compile(r"^/switch_language(\{.*\})$")


def language_button_payload(code: str) -> str:
    """What a language button sends: Rasa's intent-with-entity syntax, read by both sides."""
    return "/switch_language" + json.dumps({"language": code})


def language_from_button(text: str) -> str | None:
    """The language a pressed language button names, if the text is such a payload."""
    match = _LANGUAGE_BUTTON.match(text)
    if not match:
        return None
    try:
        value = json.loads(match.group(1)).get("language")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    origin: str  # explicit, detected, kept or default


def choose_language(
    text: str,
    explicit: str | None,
    current: str | None,
    enabled: list[str],
    default: str,
) -> LanguageChoice:
    """Explicit choice wins (the request, or a language button); then strong evidence from the
    text; then the current language; then the county's default (weak evidence such as "ok"
    never switches)."""
    explicit = explicit or language_from_button(text)
    if explicit in enabled:
        return LanguageChoice(explicit, "explicit")
    detection = detect_language(text, enabled)
    if detection and detection.strong:
        return LanguageChoice(detection.language, "detected")
    if current:
        return LanguageChoice(current, "kept")
    if detection and _better_than_default(detection, default):
        return LanguageChoice(detection.language, "detected")
    return LanguageChoice(default, "default")


def _better_than_default(detection: Detection, default: str) -> bool:
    """A first message with weak evidence: a sentence, or a script the default language does not
    use, still says more than the county's default ("شو هو كيم" is not German)."""
    return not detection.short or LANGUAGES[detection.language].script != LANGUAGES[default].script


# How exact `last_message_at` is. Finer would mean a database write for every message, and
# SQLite has one writer: under 20 chatting residents that write was a sixth of the api's time.
LAST_MESSAGE_PRECISION = timedelta(minutes=1)


def record_message(
    session: Session,
    conversation_id: str,
    channel: str,
    text: str,
    explicit_language: str | None,
    source: str | None,
    enabled: list[str],
    default_language: str,
) -> tuple[Conversation, bool]:
    """Create or update the conversation for an incoming message and settle its language.

    Also says whether the message's own words moved an ongoing conversation to another
    language: the resident is then told so, in the new language.
    """
    conversation = session.get(Conversation, conversation_id)
    choice = choose_language(
        text,
        explicit_language,
        conversation.language if conversation else None,
        enabled,
        default_language,
    )
    now = utcnow()
    switched = (
        conversation is not None
        and choice.origin == "detected"
        and choice.language != conversation.language
    )
    if conversation is None:
        conversation = Conversation(
            id=conversation_id,
            channel=channel,
            source=source,
            started_at=now,
            language=choice.language,
            language_origin=choice.origin,
        )
        session.add(conversation)
    elif choice.origin != "kept":
        conversation.language = choice.language
        conversation.language_origin = choice.origin
    if source and not conversation.source:
        conversation.source = source
    if (
        conversation.last_message_at is None
        or now - conversation.last_message_at >= LAST_MESSAGE_PRECISION
    ):
        conversation.last_message_at = now
    session.flush()
    return conversation, switched
