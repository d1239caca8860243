"""Messages the front door starts itself (reminders, feedback, cancellations), per channel.

WhatsApp and SMS go through Twilio's Messages API with a status callback
(`/channels/twilio/status` records delivery), Telegram through the Bot API's sendMessage.
Local mode (no Twilio account SID and auth token; no Telegram bot token) logs the message
instead of sending it. The web chat has no address to push to: its residents get the calendar
file instead, so those messages are recorded as undeliverable.

WhatsApp allows free-form messages only for 24 hours after the resident's last message. Later,
a reminder uses the approved content template for its language (TWILIO_REMINDER_TEMPLATES,
variables {{1}} time, {{2}} place, {{3}} code); without one, and for every other kind, the
message is recorded as `outside_window` and not sent.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.channels import address_of
from conversations.models import Conversation, OutboundMessage
from conversations.providers import (
    ProviderError,
    telegram_configured,
    telegram_send,
    twilio_configured,
    twilio_send,
)
from core.settings import Settings, get_settings

logger = logging.getLogger("kim.outbound")

TWILIO_CHANNELS = ("whatsapp", "sms")
PUSH_CHANNELS = (*TWILIO_CHANNELS, "telegram")
WHATSAPP_WINDOW = timedelta(hours=24)
STATUS_CALLBACK_PATH = "/channels/twilio/status"
# The reminder template's variables, in this order: {{1}}, {{2}}, {{3}}.
TEMPLATE_FIELDS = ("when", "place", "code")
# What a message's status is when it did not go out (staff are told to inform otherwise).
NOT_SENT = ("undeliverable", "failed", "outside_window")

# Twilio's delivery states in the order they happen; a late callback never moves a message back
# ("sent" arriving after "delivered"). Failures end it.
_PROGRESS = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "undelivered": 5,
    "failed": 5,
    "canceled": 5,
}


def send_message(
    session: Session,
    conversation: Conversation,
    kind: str,
    text: str,
    now: datetime,
    *,
    variables: dict[str, str] | None = None,
) -> OutboundMessage:
    """Sends (or logs) `text` and records it. `variables` fill a WhatsApp template outside the
    24-hour window (reminders: when, place, code). Call it before the transaction writes
    anything, or use deliver_message and record_sent: a provider call inside a transaction
    that wrote keeps its locks (on SQLite the whole database) for as long as the call takes."""
    delivery = deliver_message(conversation, kind, text, now, variables)
    return record_sent(session, conversation, kind, text, now, delivery)


Delivery = tuple[str, str | None]  # status, the provider's message id


def deliver_message(
    conversation: Conversation,
    kind: str,
    text: str,
    now: datetime,
    variables: dict[str, str] | None = None,
) -> Delivery:
    """Sends (or logs) `text` without touching the database."""
    return _deliver(get_settings(), conversation, kind, text, now, variables or {})


def record_sent(
    session: Session,
    conversation: Conversation,
    kind: str,
    text: str,
    now: datetime,
    delivery: Delivery,
) -> OutboundMessage:
    status, provider_id = delivery
    message = OutboundMessage(
        conversation_id=conversation.id,
        channel=conversation.channel,
        kind=kind,
        language=conversation.language,
        text=text,
        status=status,
        provider_id=provider_id,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _deliver(
    settings: Settings,
    conversation: Conversation,
    kind: str,
    text: str,
    now: datetime,
    variables: dict[str, str],
) -> Delivery:
    channel = conversation.channel
    if channel not in PUSH_CHANNELS:
        return "undeliverable", None
    configured = telegram_configured if channel == "telegram" else twilio_configured
    if not configured(settings):
        logger.info("[local mode] %s to %s via %s: %s", kind, conversation.id, channel, text)
        return "logged", None
    address = address_of(conversation)
    if address is None:
        return "undeliverable", None
    try:
        if channel == "telegram":
            return "sent", telegram_send(settings, address, text)
        return _send_twilio(settings, conversation, address, kind, text, now, variables)
    except ProviderError as error:
        logger.warning("%s to %s via %s failed: %s", kind, conversation.id, channel, error)
        return "failed", None


def _send_twilio(
    settings: Settings,
    conversation: Conversation,
    number: str,
    kind: str,
    text: str,
    now: datetime,
    variables: dict[str, str],
) -> Delivery:
    callback = settings.base_url + STATUS_CALLBACK_PATH
    channel = conversation.channel
    last = conversation.last_inbound_at
    if channel == "whatsapp" and (last is None or now - last > WHATSAPP_WINDOW):
        template = settings.twilio_reminder_templates.get(conversation.language)
        if kind != "reminder" or not template or not all(variables.get(f) for f in TEMPLATE_FIELDS):
            logger.info("%s to %s not sent: outside WhatsApp's 24 hours", kind, conversation.id)
            return "outside_window", None
        content = {str(n): _one_line(variables[f]) for n, f in enumerate(TEMPLATE_FIELDS, 1)}
        sid, status = twilio_send(
            settings, channel, number, callback, content_sid=template, content_variables=content
        )
        return status, sid
    sid, status = twilio_send(settings, channel, number, callback, body=text)
    return status, sid


def _one_line(value: str) -> str:
    """WhatsApp refuses line breaks inside template variables."""
    return ", ".join(line.strip() for line in value.splitlines() if line.strip())


def record_delivery(session: Session, provider_id: str, status: str) -> OutboundMessage | None:
    """A status callback: the message's new state, unless it is older news or unknown."""
    message = session.scalar(
        select(OutboundMessage).where(OutboundMessage.provider_id == provider_id)
    )
    if message is None or status not in _PROGRESS:
        return message
    if _PROGRESS[status] >= _PROGRESS.get(message.status, -1):
        message.status = status
        session.flush()
    return message
