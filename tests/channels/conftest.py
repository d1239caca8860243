"""A scripted assistant in place of Rasa, and residents writing over WhatsApp, SMS, Telegram.

The real Rasa answers in tests/e2e; here each test says what the assistant replies, and sees
exactly what reached it.
"""

import random
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from api.rasa import RasaClient, RasaUnavailable
from conversations.service import pseudonym
from tests.support.telegram_api import SECRET_TOKEN
from tests.support.twilio_api import signature

WEBHOOK = "http://testserver/channels/twilio"


class FakeRasa:
    """Replies with the queued messages (else an echo) and records what it was sent."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.queued: list[list[dict] | Exception] = []
        self.down = False

    def replies(self, *messages: dict) -> None:
        self.queued.append([{"buttons": [], **message} for message in messages])

    @property
    def texts(self) -> list[str]:
        return [call["text"] for call in self.calls]

    async def send(self, conversation_id: str, text: str, metadata: dict) -> list[dict]:
        self.calls.append({"conversation_id": conversation_id, "text": text, **metadata})
        if self.down:
            raise RasaUnavailable("connection refused")
        if self.queued:
            return self.queued.pop(0)
        return [{"text": f"echo: {text}", "buttons": []}]


@pytest.fixture
def rasa(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRasa]:
    fake = FakeRasa()

    async def send(client: RasaClient, conversation_id: str, text: str, metadata: dict):  # noqa: ANN202
        return await fake.send(conversation_id, text, metadata)

    monkeypatch.setattr(RasaClient, "send", send)
    yield fake


def new_number() -> str:
    return "+49151" + "".join(random.choices("0123456789", k=8))


def conversation_id(settings, channel: str, sender: str) -> str:  # noqa: ANN001
    return pseudonym(settings.pseudonym_pepper.get_secret_value(), channel, sender)


class Phone:
    """A resident writing to the front door's WhatsApp (or SMS) number through Twilio."""

    def __init__(self, client, channel: str = "whatsapp", number: str | None = None) -> None:  # noqa: ANN001
        self.client = client
        self.number = number or new_number()
        self.address = f"whatsapp:{self.number}" if channel == "whatsapp" else self.number

    def form(self, text: str | None, **extra: str) -> dict[str, str]:
        form = {
            "MessageSid": "SM" + "".join(random.choices("0123456789abcdef", k=32)),
            "AccountSid": "AC" + "0" * 32,
            "From": self.address,
            "To": "whatsapp:+4952719650000",
            "NumMedia": "0",
        }
        if text is not None:
            form["Body"] = text
        return form | extra

    def post(self, form: dict[str, str], url: str = WEBHOOK, headers: dict | None = None):  # noqa: ANN201
        signed = {"X-Twilio-Signature": signature(url, form)} | (headers or {})
        return self.client.post("/channels/twilio", data=form, headers=signed)

    def says(self, text: str, **extra: str) -> list[str]:
        """The parts of the answer, in order (one TwiML <Message> each)."""
        response = self.post(self.form(text, **extra))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return [message.text or "" for message in ET.fromstring(response.text).iter("Message")]


@pytest.fixture
def phone(client, rasa) -> Phone:  # noqa: ANN001
    return Phone(client)


def telegram_headers(secret: str = SECRET_TOKEN) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": secret}
