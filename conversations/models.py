from datetime import datetime

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class Conversation(Base):
    """One resident's conversation, keyed by a pseudonym: never the phone number or chat id."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    # How the language was decided: explicit (button, request, QR code), detected or default.
    language_origin: Mapped[str] = mapped_column(String(16))
    # The office whose QR code started it (reporting: contacts by source office).
    source: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The resident sent STOP (or its equivalent): no reminders, no feedback questions.
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where a push channel reaches the resident (phone number, chat id), encrypted with
    # core.crypto: needed for reminders and replies sent later; deleted with the conversation.
    address_encrypted: Mapped[str | None] = mapped_column(Text)
    # The buttons last offered as numbered choices (WhatsApp, SMS): [{title, payload}], so
    # "2" in the next message means the second one.
    choices: Mapped[list | None] = mapped_column(JSON)
    # When the resident last wrote: WhatsApp allows free-form messages for 24 hours after.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboundMessage(Base):
    """A message the front door sent on its own (reminder, feedback question), with its fate.

    Kept so staff can see that a reminder went out; the text holds no personal data beyond
    the booking code, time and place.
    """

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # logged (local mode); Twilio's states (queued, sent, delivered, read, undelivered, failed,
    # updated by its status callback); sent (Telegram); failed (the provider refused);
    # undeliverable (no address for the channel); outside_window (WhatsApp, after 24 hours,
    # no template).
    status: Mapped[str] = mapped_column(String(16))
    # The provider's id for the message (Twilio's SID, Telegram's message id).
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
