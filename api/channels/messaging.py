"""What WhatsApp, SMS and Telegram share, between their adapters and the dialogue.

An adapter checks its signature, reads its format into an `Incoming` and calls `answer`, which
handles what never reaches the assistant (pictures, over-long messages, STOP/START/HILFE), maps
a chosen number, title or pressed button to its payload, asks the dialogue, and remembers where
the resident is reached and which choices were offered. The adapter renders the `Outgoing`:
numbered choices (`numbered_text`) or inline buttons, split below the channel's limit
(`split_text`).
"""

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.channels import dialogue
from api.channels.commands import ANSWERS, find_command
from api.channels.dialogue import (
    ASSISTANT_UNAVAILABLE,
    TEXT_TOO_LONG,
    TOO_MANY_MESSAGES,
    NotAnswered,
    TooManyMessages,
    conversation_id_for,
    converse,
)
from api.deps import CountyContext
from api.rasa import RasaClient
from conversations.channels import note_inbound, remember_choices, set_opted_out
from conversations.models import Conversation
from conversations.providers import TELEGRAM_CALLBACK_BYTES
from conversations.service import choose_language
from core.db import session_scope, utcnow
from core.settings import Settings
from i18n.catalogs import N_, gettext

MEDIA_NOT_READ = N_(
    "Ich kann nur Text lesen. Bilder, Sprachnachrichten und Dateien kann ich nicht öffnen. "
    "Bitte schreiben Sie Ihre Frage."
)
# Channels without buttons: their choices are numbered, and this ends the list.
NUMBERED_CHANNELS = frozenset({"whatsapp", "sms"})
CHOOSE_BY_NUMBER = N_("Bitte schreiben Sie die Zahl.")
# A Telegram button from an older message whose choice is no longer known.
CHOICE_EXPIRED = N_("Diese Auswahl gilt nicht mehr. Bitte wählen Sie noch einmal.")

GREETING = "/greet"
# "2", "2.", "٢", "۲": a number picks the choice with that number.
_NUMBER = re.compile(r"^(\d{1,3})[.)]?$")
_SENTENCE_END = re.compile(r"[.!?;:؟۔…](?=\s)")


@dataclass(frozen=True)
class Incoming:
    channel: str  # whatsapp, sms or telegram
    # The phone number or chat id: hashed into the conversation id, stored only encrypted.
    sender: str
    # What the resident wrote; None for a picture, voice message, file or location.
    text: str | None = None
    # Telegram: the callback_data of a pressed inline button.
    pressed: str | None = None
    # Choices were offered as numbers: "2" means the second.
    numbered: bool = False
    # Telegram: the app's language, for the first answer of a new conversation.
    language_hint: str | None = None


@dataclass
class Outgoing:
    language: str
    messages: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _State:
    exists: bool
    language: str | None
    opted_out: bool
    choices: list[dict]


def _state(conversation_id: str) -> _State:
    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return _State(False, None, False, [])
        return _State(
            True, conversation.language, conversation.opted_out, list(conversation.choices or [])
        )


_KEEP: Any = object()


def _note(
    conversation_id: str,
    incoming: Incoming,
    language: str,
    origin: str = "default",
    choices: list[dict] | None = _KEEP,
    opted_out: bool | None = None,
) -> None:
    with session_scope() as session:
        conversation = note_inbound(
            session, conversation_id, incoming.channel, incoming.sender, language, utcnow(), origin
        )
        if choices is not _KEEP:
            remember_choices(conversation, choices)
        if opted_out is not None:
            set_opted_out(conversation, opted_out)


def _said(language: str, message: str, **variables: object) -> Outgoing:
    return Outgoing(language, [{"text": gettext(language, message, **variables), "buttons": []}])


async def _answered_here(
    conversation_id: str,
    incoming: Incoming,
    language: str,
    message: str,
    *,
    origin: str = "default",
    opted_out: bool | None = None,
    **variables: object,
) -> Outgoing:
    """Answered without the assistant, still counted for the rate limit (over it, the resident
    hears so and nothing changes)."""
    if not dialogue.rate_limiter().allow(conversation_id):
        message, variables, opted_out = TOO_MANY_MESSAGES, {}, None
    await run_in_threadpool(_note, conversation_id, incoming, language, origin, _KEEP, opted_out)
    return _said(language, message, **variables)


async def answer(
    settings: Settings, county: CountyContext, rasa: RasaClient, incoming: Incoming
) -> Outgoing:
    """The answer to one incoming message, in the conversation's language."""
    conversation_id = conversation_id_for(settings, incoming.channel, incoming.sender)
    state = await run_in_threadpool(_state, conversation_id)
    hint = incoming.language_hint if incoming.language_hint in county.languages else None
    language = state.language or hint or county.default_language

    if incoming.pressed is not None:
        payload = pressed_payload(incoming.pressed, state.choices)
        if payload is None:
            return await _answered_here(conversation_id, incoming, language, CHOICE_EXPIRED)
        return await _converse(settings, county, rasa, incoming, conversation_id, payload)
    text = (incoming.text or "").strip()
    if not text:
        return await _answered_here(conversation_id, incoming, language, MEDIA_NOT_READ)
    if len(text) > settings.chat_max_chars:
        choice = choose_language(
            text, None, state.language, county.languages, county.default_language
        )
        return await _answered_here(
            conversation_id, incoming, choice.language, TEXT_TOO_LONG, origin=choice.origin,
            max=settings.chat_max_chars,
        )  # fmt: skip
    command = find_command(text)
    if command is None:
        payload = typed_choice(text, state.choices, incoming.numbered) or text
        return await _converse(settings, county, rasa, incoming, conversation_id, payload)
    # STOP and START change the opt-out, HILFE explains. START is also the first message of the
    # QR poster's WhatsApp link ("START <office>") and Telegram's /start: unless the resident
    # had opted out, it starts the conversation with the greeting.
    word_language = command.language if command.language in county.languages else None
    if command.name == "start" and not state.opted_out:
        source = command.office  # converse keeps it only if it is a known office
        explicit = None if state.exists else (word_language or hint)
        return await _converse(
            settings, county, rasa, incoming, conversation_id, GREETING, explicit, source
        )
    if not state.exists and word_language:
        language, origin = word_language, "detected"
    else:
        origin = "default"
    return await _answered_here(
        conversation_id, incoming, language, ANSWERS[command.name], origin=origin,
        opted_out={"stop": True, "start": False}.get(command.name),
    )  # fmt: skip


async def _converse(
    settings: Settings,
    county: CountyContext,
    rasa: RasaClient,
    incoming: Incoming,
    conversation_id: str,
    text: str,
    language: str | None = None,
    source: str | None = None,
) -> Outgoing:
    try:
        reply = await converse(
            settings, county, rasa, channel=incoming.channel, sender=incoming.sender, text=text,
            language=language, source=source,
        )  # fmt: skip
    except NotAnswered as error:
        await run_in_threadpool(_note, conversation_id, incoming, error.language)
        why = TOO_MANY_MESSAGES if isinstance(error, TooManyMessages) else ASSISTANT_UNAVAILABLE
        return _said(error.language, why)
    choices = [button for message in reply.messages for button in message.get("buttons") or []]
    await run_in_threadpool(_note, conversation_id, incoming, reply.language, "default", choices)
    return Outgoing(reply.language, reply.messages)


def typed_choice(text: str, choices: list[dict], numbered: bool) -> str | None:
    """The payload of the choice the resident typed: its number (any digits: "2", "٢", "۲")
    when choices were numbered, or its exact title in any case."""
    if not choices:
        return None
    number = _NUMBER.match(text.strip())
    if numbered and number:
        index = int(number.group(1))  # int() reads Arabic-Indic and Persian digits too
        return choices[index - 1]["payload"] if 1 <= index <= len(choices) else None
    folded = text.strip().casefold()
    return next((c["payload"] for c in choices if c["title"].strip().casefold() == folded), None)


def callback_data(payload: str) -> str:
    """What a Telegram button carries: the payload itself when it fits in 64 bytes, else a
    short key of it, resolved through the choices the conversation remembers."""
    if len(payload.encode()) <= TELEGRAM_CALLBACK_BYTES and not payload.startswith("#"):
        return payload
    return "#" + hashlib.sha256(payload.encode()).hexdigest()[:24]


def pressed_payload(data: str, choices: list[dict]) -> str | None:
    """The payload behind a pressed Telegram button; None for a key no longer offered."""
    if not data.startswith("#"):
        return data
    return next((c["payload"] for c in choices if callback_data(c["payload"]) == data), None)


def numbered_text(messages: list[dict], language: str) -> str:
    """One text for channels without buttons: each message, its buttons as "1 …", "2 …"
    (counted on across messages, as stored in the conversation's choices)."""
    parts: list[str] = []
    count = 0
    for message in messages:
        lines = [message["text"]] if message.get("text") else []
        buttons = message.get("buttons") or []
        if buttons:
            lines.append("\n".join(f"{count + n} {b['title']}" for n, b in enumerate(buttons, 1)))
            count += len(buttons)
        if lines:
            parts.append("\n\n".join(lines))
    if count:
        parts.append(gettext(language, CHOOSE_BY_NUMBER))
    return "\n\n".join(parts)


def _length(text: str) -> int:
    """Characters as the providers count them: UTF-16 code units (an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, in order, cut at a paragraph, else a line, else a
    sentence, else a word boundary (never in the first third of a part, to avoid short parts)."""
    parts: list[str] = []
    rest = text.strip()
    while _length(rest) > limit:
        window = rest[:limit]
        while _length(window) > limit:
            window = window[:-1]
        cut = 0
        for boundary in (r"\n\s*\n", r"\n", _SENTENCE_END.pattern, r"\s"):
            ends = [m.end() for m in re.finditer(boundary, window) if m.end() > len(window) // 3]
            if ends:
                cut = ends[-1]
                break
        cut = cut or max(len(window), 1)
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return parts
