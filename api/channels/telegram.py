"""Telegram: the bot's webhook.

Register it with Telegram's `setWebhook`: url `{PUBLIC_URL}/channels/telegram`, secret_token
TELEGRAM_SECRET_TOKEN. Telegram then sends the secret in `X-Telegram-Bot-Api-Secret-Token`;
every request without it is refused. Private chats only (the bot never answers in groups).
Answers go out through the Bot API's sendMessage, buttons as an inline keyboard; without
TELEGRAM_BOT_TOKEN they are logged (local mode).
"""

import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from api.channels.dialogue import conversation_id_for
from api.channels.limits import seen_updates
from api.channels.messaging import Incoming, Outgoing, answer, callback_data, split_text
from api.deps import CountyDep, SettingsDep, get_rasa
from api.rasa import RasaClient
from conversations.providers import (
    TELEGRAM_MAX_CHARS,
    ProviderError,
    telegram_call,
    telegram_configured,
    telegram_send,
)
from core.settings import Settings

CHANNEL = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram refuses an empty text; a message of buttons only gets this.
NO_TEXT = "…"

logger = logging.getLogger("kim.telegram")
router = APIRouter(tags=["channels"])


def _chat_id(chat: Any) -> str | None:
    """The chat's id if it is a private chat (a group's members never see the bot's answers)."""
    if not isinstance(chat, dict) or chat.get("type", "private") != "private":
        return None
    return str(chat["id"]) if isinstance(chat.get("id"), int | str) else None


def _language_code(sender: Any) -> str | None:
    code = sender.get("language_code") if isinstance(sender, dict) else None
    return code.split("-")[0].lower() if isinstance(code, str) else None


def read_update(update: dict) -> tuple[Incoming | None, str | None]:
    """The message in an update, and the id of a callback query to answer. Other updates
    (edited messages, channel posts, ...) are ignored."""
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        message = callback.get("message") if isinstance(callback.get("message"), dict) else {}
        chat_id = _chat_id(message.get("chat") or {"id": (callback.get("from") or {}).get("id")})
        data = callback.get("data")
        if chat_id is None or not isinstance(data, str):
            return None, str(callback.get("id", "")) or None
        incoming = Incoming(
            channel=CHANNEL,
            sender=chat_id,
            pressed=data,
            language_hint=_language_code(callback.get("from")),
        )
        return incoming, str(callback.get("id", "")) or None
    message = update.get("message")
    if isinstance(message, dict):
        chat_id = _chat_id(message.get("chat"))
        if chat_id is None:
            return None, None
        text = message.get("text")
        return Incoming(
            channel=CHANNEL,
            sender=chat_id,
            text=text if isinstance(text, str) else None,  # None: a photo, voice, sticker, ...
            language_hint=_language_code(message.get("from")),
        ), None
    return None, None


def _deliver(settings: Settings, chat_id: str, outgoing: Outgoing) -> None:
    """Each message as sendMessage (split below Telegram's limit), its buttons on the last part."""
    for message in outgoing.messages:
        parts = split_text(message.get("text") or "", TELEGRAM_MAX_CHARS) or [NO_TEXT]
        keyboard = [
            {"text": button["title"], "callback_data": callback_data(button["payload"])}
            for button in message.get("buttons") or []
        ]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            telegram_send(settings, chat_id, part, keyboard if last else None)


def _log(settings: Settings, chat_id: str, outgoing: Outgoing) -> None:
    conversation_id = conversation_id_for(settings, CHANNEL, chat_id)
    for message in outgoing.messages:
        titles = [button["title"] for button in message.get("buttons") or []]
        logger.info("[local mode] telegram to %s: %s %s", conversation_id, message["text"], titles)


@router.post("/channels/telegram")
async def incoming_update(
    request: Request,
    settings: SettingsDep,
    county: CountyDep,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
    secret: Annotated[str, Header(alias=SECRET_HEADER)] = "",
) -> dict:
    expected = settings.telegram_secret_token.get_secret_value()
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise HTTPException(403, "invalid secret token")
    try:
        update = await request.json()
    except ValueError as error:
        raise HTTPException(400, "not a JSON update") from error
    if not isinstance(update, dict):
        raise HTTPException(400, "not a JSON update")
    incoming, callback_id = read_update(update)
    if incoming is not None and not seen_updates().first_time(
        f"telegram:{incoming.sender}:{update.get('update_id')}"
    ):
        return {"ok": True}  # a retry of an update already answered
    configured = telegram_configured(settings)
    if callback_id and configured:
        # Stops the button's spinner in the app; the answer follows as a message.
        await _quietly(settings, "answerCallbackQuery", {"callback_query_id": callback_id})
    if incoming is None:
        return {"ok": True}
    outgoing = await answer(settings, county, rasa, incoming)
    if not configured:
        _log(settings, incoming.sender, outgoing)
        return {"ok": True}
    try:
        await run_in_threadpool(_deliver, settings, incoming.sender, outgoing)
    except ProviderError as error:
        # Telegram would send the update again on an error status: the answer is lost, not
        # the dialogue's state.
        conversation_id = conversation_id_for(settings, CHANNEL, incoming.sender)
        logger.warning("telegram answer to %s failed: %s", conversation_id, error)
    return {"ok": True}


async def _quietly(settings: Settings, method: str, payload: dict) -> None:
    try:
        await run_in_threadpool(telegram_call, settings, method, payload)
    except ProviderError as error:
        logger.warning("telegram %s failed: %s", method, error)
