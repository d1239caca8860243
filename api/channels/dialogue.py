"""One incoming message, whatever the channel: pseudonym, language, Rasa, the answer.

Channel adapters check their own signatures and formats, then call `converse`; what the
resident gets back is the same in every channel, rendered for it by the adapter.
"""

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from api.channels.limits import rate_limiter
from api.deps import CountyContext
from api.rasa import RasaClient, RasaUnavailable
from conversations.models import Conversation
from conversations.service import pseudonym, record_message
from core.db import session_scope
from core.settings import Settings
from i18n.catalogs import N_
from i18n.responses import render_named

# Every channel's answers when the message cannot go to the assistant.
TOO_MANY_MESSAGES = N_(
    "Sie schreiben sehr schnell. Bitte warten Sie eine Minute. Dann schreiben Sie weiter."
)
ASSISTANT_UNAVAILABLE = N_(
    "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es in einer Minute noch einmal."
)
# A message over CHAT_MAX_CHARS, in every channel.
TEXT_TOO_LONG = N_("Ihre Nachricht ist zu lang. Bitte schreiben Sie höchstens {max} Zeichen.")

# Said first when the resident's words moved the conversation to another language.
SWITCH_CONFIRMATION = "utter_language_switched"


class NotAnswered(Exception):
    """The message did not reach the assistant; `language` is the conversation's, for telling
    the resident why."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.language = language


class TooManyMessages(NotAnswered):
    """The sender is over the rate limit (TOO_MANY_MESSAGES)."""


class AssistantUnavailable(NotAnswered):
    """Rasa could not be reached (ASSISTANT_UNAVAILABLE)."""


@dataclass
class Reply:
    conversation_id: str
    language: str
    messages: list[dict]


def conversation_id_for(settings: Settings, channel: str, sender: str) -> str:
    """The sender's id or phone number is never stored: only this keyed hash of it."""
    return pseudonym(settings.pseudonym_pepper.get_secret_value(), channel, sender)


def _known_language(conversation_id: str, county: CountyContext) -> str:
    with session_scope(autocommit=True) as session:
        conversation = session.get(Conversation, conversation_id)
        return conversation.language if conversation else county.default_language


async def converse(
    settings: Settings,
    county: CountyContext,
    rasa: RasaClient,
    *,
    channel: str,
    sender: str,
    text: str,
    language: str | None = None,
    source: str | None = None,
) -> Reply:
    """Raises TooManyMessages over the rate limit, and AssistantUnavailable when Rasa cannot
    be reached: the caller tells the resident, in `error.language`."""
    conversation_id = conversation_id_for(settings, channel, sender)
    source = county.office(source)  # an unknown office is no source (reporting stays clean)

    def _record() -> tuple[str, bool] | None:
        # The rate limit is counted here, off the event loop: with Redis it is a round trip.
        if not rate_limiter().allow(conversation_id):
            return None
        with session_scope(autocommit=True) as session:  # one write at most
            conversation, switched = record_message(
                session, conversation_id, channel, text, language, source,
                county.languages, county.default_language,
            )  # fmt: skip
            return conversation.language, switched

    recorded = await run_in_threadpool(_record)
    if recorded is None:
        raise TooManyMessages(await run_in_threadpool(_known_language, conversation_id, county))
    settled, switched = recorded
    metadata = {"language": settled, "channel": channel, "source": source}
    try:
        messages = await rasa.send(conversation_id, text, metadata)
    except RasaUnavailable as error:
        raise AssistantUnavailable(settled) from error
    if switched:
        messages.insert(0, render_named(settings.bot_domain_path, SWITCH_CONFIRMATION, settled))
    return Reply(conversation_id, settled, messages)
