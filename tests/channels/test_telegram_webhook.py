"""Telegram's webhook: the secret token, messages and pressed buttons, answers via sendMessage."""

import random

import pytest
from pydantic import SecretStr

from api.channels.commands import STOPPED
from api.channels.messaging import MEDIA_NOT_READ, callback_data
from conversations.channels import address_of
from conversations.models import Conversation
from i18n.catalogs import gettext
from tests.channels.conftest import conversation_id, telegram_headers
from tests.support.telegram_api import BOT_TOKEN, TelegramApi

LONG_PAYLOAD = (
    '/inform{"booking_slot": "2027-03-22T08:00:00+00:00|brakel-rathaus|cm-brakel|intake"}'
)


@pytest.fixture
def telegram(settings, monkeypatch):
    api = TelegramApi()
    monkeypatch.setattr(settings, "telegram_bot_token", SecretStr(BOT_TOKEN))
    monkeypatch.setattr(settings, "telegram_api_base", api.url)
    yield api
    api.stop()


class Chat:
    def __init__(self, client, language_code: str = "de") -> None:
        self.client = client
        self.id = random.randint(10**8, 10**9)
        self.language_code = language_code
        self.updates = 0

    def _user(self) -> dict:
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": "A",
            "language_code": self.language_code,
        }

    def post(self, update: dict, headers: dict | None = None):
        self.updates += 1
        body = {"update_id": self.updates} | update
        return self.client.post(
            "/channels/telegram",
            json=body,
            headers=telegram_headers() if headers is None else headers,
        )

    def message(self, **fields) -> dict:
        chat = {"id": self.id, "type": "private"}
        return {
            "message": {"message_id": self.updates, "from": self._user(), "chat": chat, "date": 0}
            | fields
        }

    def says(self, text: str):
        return self.post(self.message(text=text))

    def presses(self, data: str):
        callback = {
            "id": f"cb{self.updates}",
            "from": self._user(),
            "message": {"message_id": 1, "chat": {"id": self.id, "type": "private"}, "date": 0},
            "chat_instance": "1",
            "data": data,
        }
        return self.post({"callback_query": callback})


@pytest.fixture
def chat(client, rasa) -> Chat:
    return Chat(client)


@pytest.mark.parametrize("headers", [{}, telegram_headers("wrong-secret")])
def test_missing_or_wrong_secret_is_refused(chat, rasa, telegram, headers):
    assert chat.post(chat.message(text="Hallo"), headers=headers).status_code == 403
    assert rasa.calls == [] and telegram.requests == []


def test_without_a_configured_secret_everything_is_refused(chat, settings, monkeypatch):
    monkeypatch.setattr(settings, "telegram_secret_token", SecretStr(""))
    assert chat.post(chat.message(text="Hallo"), headers=telegram_headers("")).status_code == 403


def test_a_text_gets_its_answer_with_an_inline_keyboard(chat, rasa, telegram, session, settings):
    rasa.replies(
        {
            "text": "Diese Termine sind frei.",
            "buttons": [
                {"title": "Di 23.3., 09:00 – Brakel", "payload": LONG_PAYLOAD},
                {"title": "Abbrechen", "payload": "/deny"},
            ],
        }
    )
    assert chat.says("Termin in Brakel").json() == {"ok": True}
    [sent] = telegram.calls("sendMessage")
    assert sent["chat_id"] == str(chat.id) and sent["text"] == "Diese Termine sind frei."
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Di 23.3., 09:00 – Brakel", "Abbrechen"]
    # Telegram allows 64 bytes of callback data: the long payload travels as a key.
    assert keyboard[1][0]["callback_data"] == "/deny"
    assert keyboard[0][0]["callback_data"] == callback_data(LONG_PAYLOAD) != LONG_PAYLOAD
    assert rasa.calls[0]["channel"] == "telegram"
    session.expire_all()
    conversation = session.get(Conversation, conversation_id(settings, "telegram", str(chat.id)))
    assert address_of(conversation) == str(chat.id)


def test_a_pressed_button_sends_its_payload_and_is_answered(chat, rasa, telegram):
    rasa.replies({"text": "Wählen Sie.", "buttons": [{"title": "Slot", "payload": LONG_PAYLOAD}]})
    chat.says("Termin")
    key = telegram.calls("sendMessage")[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert chat.presses(key).status_code == 200
    assert rasa.texts[-1] == LONG_PAYLOAD
    assert telegram.calls("answerCallbackQuery") == [{"callback_query_id": "cb1"}]
    # A short payload is the callback data itself.
    chat.presses("/affirm")
    assert rasa.texts[-1] == "/affirm"


def test_a_button_from_an_old_message_is_not_guessed(chat, rasa, telegram):
    chat.presses(callback_data(LONG_PAYLOAD + "x"))
    assert rasa.calls == []
    assert "Auswahl" in telegram.calls("sendMessage")[-1]["text"]


def test_start_with_an_office_greets_in_the_apps_language(client, rasa, telegram):
    chat = Chat(client, language_code="ar")
    chat.says("/start buergerbuero-brakel")
    [call] = rasa.calls
    assert (call["text"], call["source"], call["language"]) == (
        "/greet",
        "buergerbuero-brakel",
        "ar",
    )


def test_media_gets_the_text_only_answer(chat, rasa, telegram):
    chat.post(chat.message(photo=[{"file_id": "x", "width": 1, "height": 1}]))
    assert rasa.calls == []
    assert telegram.calls("sendMessage")[0]["text"] == gettext("de", MEDIA_NOT_READ)


def test_stop_as_a_telegram_command(chat, rasa, telegram, session, settings):
    chat.says("/stop")
    assert telegram.calls("sendMessage")[0]["text"] == gettext("de", STOPPED)
    session.expire_all()
    conversation = session.get(Conversation, conversation_id(settings, "telegram", str(chat.id)))
    assert conversation.opted_out is True
    assert rasa.calls == []


def test_groups_are_ignored(chat, rasa, telegram):
    update = chat.message(text="Hallo")
    update["message"]["chat"] = {"id": -100, "type": "group", "title": "Nachbarn"}
    assert chat.post(update).status_code == 200
    assert rasa.calls == [] and telegram.requests == []


def test_local_mode_logs_instead_of_sending(chat, rasa, caplog):
    with caplog.at_level("INFO", logger="kim.telegram"):
        assert chat.says("Hallo").status_code == 200
    assert "[local mode]" in caplog.text and "echo: Hallo" in caplog.text
    assert str(chat.id) not in caplog.text


def test_an_update_sent_again_is_answered_once(chat, rasa, telegram):
    """Telegram repeats an update when the answer was slow: the dialogue sees it once."""
    update = {"update_id": 4711} | chat.message(text="hallo")
    for _ in range(2):
        response = chat.client.post("/channels/telegram", json=update, headers=telegram_headers())
        assert response.status_code == 200
    assert rasa.texts == ["hallo"]
    assert len(telegram.calls("sendMessage")) == 1
    # The chat's next update goes through as usual.
    chat.says("danke")
    assert rasa.texts == ["hallo", "danke"]
