"""The messaging providers' APIs: Twilio (WhatsApp, SMS) and Telegram's Bot API.

Both base URLs come from the settings (`TWILIO_API_BASE`, `TELEGRAM_API_BASE`), so tests and
staging point them at a stand-in. A channel without credentials is in local mode: callers log
instead of sending (`twilio_configured`, `telegram_configured`).
"""

import json
import logging
from functools import lru_cache
from typing import Any

import httpx
import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from core.settings import Settings

logger = logging.getLogger("kim.providers")

TIMEOUT_SECONDS = 10.0
TWILIO_HOST = "https://api.twilio.com"
# Twilio's limit per message (WhatsApp and SMS, in characters) and Telegram's.
TWILIO_MAX_CHARS = 1600
TELEGRAM_MAX_CHARS = 4096
# Telegram's callback_data holds at most this many bytes.
TELEGRAM_CALLBACK_BYTES = 64


class ProviderError(Exception):
    """The provider refused the message or could not be reached."""


def twilio_configured(settings: Settings) -> bool:
    return bool(settings.twilio_account_sid and settings.twilio_auth_token.get_secret_value())


def telegram_configured(settings: Settings) -> bool:
    return bool(settings.telegram_bot_token.get_secret_value())


class _BaseUrlHttpClient(TwilioHttpClient):
    """twilio-python always builds https://api.twilio.com/...; this sends it to `base` instead."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=TIMEOUT_SECONDS)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_HOST):
            url = self.base + url[len(TWILIO_HOST) :]
        return super().request(method, url, *args, **kwargs)


@lru_cache(maxsize=4)
def _twilio_client(account_sid: str, auth_token: str, base: str) -> Client:
    return Client(account_sid, auth_token, http_client=_BaseUrlHttpClient(base))


def twilio_sender(settings: Settings, channel: str) -> dict[str, str]:
    """`from_` for the channel's number, or `messaging_service_sid` when one is configured."""
    sender = settings.twilio_whatsapp_from if channel == "whatsapp" else settings.twilio_sms_from
    if not sender:
        raise ProviderError(f"no sender configured for {channel} (TWILIO_*_FROM)")
    if sender.startswith("MG"):
        return {"messaging_service_sid": sender}
    if channel == "whatsapp" and not sender.startswith("whatsapp:"):
        sender = "whatsapp:" + sender
    return {"from_": sender}


def twilio_address(channel: str, number: str) -> str:
    """Twilio's `To` for a resident's number: WhatsApp numbers carry the channel's prefix."""
    return f"whatsapp:{number}" if channel == "whatsapp" else number


def twilio_send(
    settings: Settings,
    channel: str,
    number: str,
    status_callback: str,
    *,
    body: str | None = None,
    content_sid: str | None = None,
    content_variables: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Sends through the Messages API; returns the message's SID and its first status."""
    client = _twilio_client(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        settings.twilio_api_base,
    )
    fields: dict[str, Any] = {"to": twilio_address(channel, number)}
    fields |= twilio_sender(settings, channel)
    if content_sid:
        fields["content_sid"] = content_sid
        fields["content_variables"] = json.dumps(content_variables or {}, ensure_ascii=False)
    else:
        fields["body"] = body
    try:
        message = client.messages.create(status_callback=status_callback, **fields)
    except (TwilioException, requests.RequestException) as error:
        raise ProviderError(str(error)) from error
    return str(message.sid), str(message.status or "queued")


def telegram_call(settings: Settings, method: str, payload: dict[str, Any]) -> Any:
    """One Bot API method (sendMessage, answerCallbackQuery); returns its `result`."""
    token = settings.telegram_bot_token.get_secret_value()
    url = f"{settings.telegram_api_base.rstrip('/')}/bot{token}/{method}"
    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT_SECONDS)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderError(f"{method}: {type(error).__name__}") from error
    if not answer.get("ok"):
        # The token is part of the URL: never put the URL into the error.
        raise ProviderError(f"{method}: {response.status_code} {answer.get('description', '')}")
    return answer.get("result")


def telegram_send(
    settings: Settings, chat_id: str, text: str, keyboard: list[dict[str, str]] | None = None
) -> str:
    """sendMessage, with one inline button per row; returns the message id."""
    payload: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if keyboard:
        payload["reply_markup"] = {"inline_keyboard": [[button] for button in keyboard]}
    return str((telegram_call(settings, "sendMessage", payload) or {}).get("message_id", ""))
