"""Writes for the push channels (WhatsApp, SMS, Telegram): where a resident is reached, opt-out,
the choices last offered as numbers or inline buttons.

The address (phone number, chat id) is stored only encrypted: the conversation id stays a
keyed hash, and reminders can still be sent.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from conversations.models import Conversation
from core.crypto import InvalidToken, decrypt, encrypt


def note_inbound(
    session: Session,
    conversation_id: str,
    channel: str,
    address: str,
    language: str,
    now: datetime,
    origin: str = "default",
) -> Conversation:
    """The resident wrote: keep their address and the time (WhatsApp's 24-hour window).

    Creates the conversation when the message did not reach the dialogue (STOP, a picture, a
    message over the limit), in `language` (decided as `origin` says: detected or default).
    """
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        conversation = Conversation(
            id=conversation_id,
            channel=channel,
            language=language,
            language_origin=origin,
            started_at=now,
            last_message_at=now,
            opted_out=False,
        )
        session.add(conversation)
    conversation.address_encrypted = encrypt(address)
    conversation.last_inbound_at = now
    session.flush()
    return conversation


def set_opted_out(conversation: Conversation, opted_out: bool) -> None:
    """STOP: no reminders, feedback questions or cancellation notices; START: again."""
    conversation.opted_out = opted_out


def remember_choices(conversation: Conversation, choices: list[dict] | None) -> None:
    """The buttons just offered, [{title, payload}], so the next message can pick one."""
    conversation.choices = [
        {"title": str(choice["title"]), "payload": str(choice["payload"])}
        for choice in choices or []
    ] or None


def address_of(conversation: Conversation) -> str | None:
    """The phone number or chat id, or None (never written, or its key is gone)."""
    if not conversation.address_encrypted:
        return None
    try:
        return decrypt(conversation.address_encrypted)
    except InvalidToken:
        return None
