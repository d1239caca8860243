"""Messages the front door starts itself (reminders, feedback questions), per channel.

Local mode (the default) logs the message instead of sending it. The web chat has no address
to push to: its residents get the calendar file instead, so those messages are recorded as
undeliverable. Twilio (WhatsApp, SMS) sending is added with the channel adapters.
"""

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from conversations.models import Conversation, OutboundMessage

logger = logging.getLogger("kim.outbound")

PUSH_CHANNELS = ("whatsapp", "sms", "telegram")


def send_message(
    session: Session, conversation: Conversation, kind: str, text: str, now: datetime
) -> OutboundMessage:
    if conversation.channel in PUSH_CHANNELS:
        logger.info(
            "[local mode] %s to %s via %s: %s", kind, conversation.id, conversation.channel, text
        )
        status = "logged"
    else:
        status = "undeliverable"
    message = OutboundMessage(
        conversation_id=conversation.id,
        channel=conversation.channel,
        kind=kind,
        language=conversation.language,
        text=text,
        status=status,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message
