"""WhatsApp and SMS through Twilio: the incoming-message webhook and the delivery status callback.

Configure the number's (or WhatsApp sender's) incoming-message webhook as
`POST {PUBLIC_URL}/channels/twilio`. Every request must carry a valid `X-Twilio-Signature`
over the URL Twilio called (PUBLIC_URL, or the request's own URL as forwarded by the proxy);
without TWILIO_AUTH_TOKEN every request is refused. Answers go back as TwiML, one <Message> per
part; messages the front door starts go through the REST API (conversations/outbound.py).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from api.channels.messaging import (
    NUMBERED_CHANNELS,
    Incoming,
    answer,
    numbered_text,
    split_text,
)
from api.deps import CountyDep, SettingsDep, get_rasa
from api.rasa import RasaClient
from conversations.outbound import STATUS_CALLBACK_PATH, record_delivery
from conversations.providers import TWILIO_MAX_CHARS
from core.db import session_scope
from core.settings import Settings

WEBHOOK_PATH = "/channels/twilio"
WHATSAPP_PREFIX = "whatsapp:"

router = APIRouter(tags=["channels"])


def _first(header: str | None) -> str | None:
    """The first value of a forwarded header ("https, http" after two proxies)."""
    if not header:
        return None
    return header.split(",")[0].strip() or None


def called_url(request: Request, settings: Settings) -> str:
    """The URL Twilio called, which its signature covers: PUBLIC_URL when set, else this
    request's, with the scheme and host a reverse proxy forwarded."""
    if settings.public_url:
        url = settings.public_url.rstrip("/") + request.url.path
    else:
        scheme = _first(request.headers.get("x-forwarded-proto")) or request.url.scheme
        host = _first(request.headers.get("x-forwarded-host")) or request.url.netloc
        url = f"{scheme}://{host}{request.url.path}"
    return url + (f"?{request.url.query}" if request.url.query else "")


async def signed_form(request: Request, settings: Settings) -> FormData:
    """The form Twilio posted, once its signature is valid; 403 otherwise."""
    token = settings.twilio_auth_token.get_secret_value()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    form = await request.form()
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    texts_only = all(isinstance(value, str) for _, value in form.multi_items())  # no uploads
    if not (
        token
        and signature
        and texts_only
        and RequestValidator(token).validate(
            called_url(request, settings), form, signature, algorithm
        )
    ):
        raise HTTPException(403, "invalid Twilio signature")
    return form


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _media_count(form: FormData) -> int:
    try:
        return int(_text(form, "NumMedia") or 0)
    except ValueError:
        return 0


@router.post(WEBHOOK_PATH, response_class=Response)
async def incoming_message(
    request: Request,
    settings: SettingsDep,
    county: CountyDep,
    rasa: Annotated[RasaClient, Depends(get_rasa)],
) -> Response:
    form = await signed_form(request, settings)
    sender, body = _text(form, "From"), _text(form, "Body")
    if not sender or not sender.strip() or body is None:
        raise HTTPException(400, "From and Body are required")
    channel = "whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms"
    incoming = Incoming(
        channel=channel,
        sender=sender.removeprefix(WHATSAPP_PREFIX).strip(),
        text=None if _media_count(form) else body,
        numbered=channel in NUMBERED_CHANNELS,
    )
    outgoing = await answer(settings, county, rasa, incoming)
    twiml = MessagingResponse()
    for part in split_text(numbered_text(outgoing.messages, outgoing.language), TWILIO_MAX_CHARS):
        twiml.message(part)
    return Response(str(twiml), media_type="application/xml")


def _record(provider_id: str, status: str) -> None:
    with session_scope() as session:
        record_delivery(session, provider_id, status)


@router.post(STATUS_CALLBACK_PATH, status_code=204, response_class=Response)
async def delivery_status(request: Request, settings: SettingsDep) -> Response:
    """Twilio reports each step of a message the front door sent (queued … delivered, read)."""
    form = await signed_form(request, settings)
    sid, status = _text(form, "MessageSid"), _text(form, "MessageStatus")
    if not sid or not status:
        raise HTTPException(400, "MessageSid and MessageStatus are required")
    await run_in_threadpool(_record, sid, status)
    return Response(status_code=204)
