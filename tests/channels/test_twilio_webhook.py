"""WhatsApp and SMS through Twilio: signatures, commands, numbered choices, long answers."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from api.channels import dialogue
from api.channels.commands import HELP, STARTED, STOPPED
from api.channels.dialogue import TEXT_TOO_LONG, TOO_MANY_MESSAGES
from api.channels.limits import RateLimiter
from api.channels.messaging import MEDIA_NOT_READ, split_text
from conversations.channels import address_of
from conversations.models import Conversation, OutboundMessage
from core.db import utcnow
from i18n.catalogs import gettext
from scheduler.bookings import cancel_booking, confirm_hold, hold_slot
from scheduler.followups import send_due_reminders
from scheduler.service import get_county
from scheduler.slots import search_slots
from tests.channels.conftest import WEBHOOK, Phone, conversation_id
from tests.support.twilio_api import signature

YES_NO = ({"title": "Ja", "payload": "/affirm"}, {"title": "Nein", "payload": "/deny"})


def stored(session, settings, phone: Phone, channel: str = "whatsapp") -> Conversation | None:
    session.expire_all()
    return session.get(Conversation, conversation_id(settings, channel, phone.number))


# Signatures


def test_unsigned_and_wrongly_signed_requests_are_refused(client, phone, rasa):
    form = phone.form("Hallo")
    assert client.post("/channels/twilio", data=form).status_code == 403
    forged = {"X-Twilio-Signature": signature(WEBHOOK, form, token="not-the-token")}
    assert client.post("/channels/twilio", data=form, headers=forged).status_code == 403
    # Signed, then changed on the way.
    signed = {"X-Twilio-Signature": signature(WEBHOOK, form)}
    changed = form | {"Body": "Hallo!"}
    assert client.post("/channels/twilio", data=changed, headers=signed).status_code == 403
    assert rasa.calls == []


def test_without_an_auth_token_every_request_is_refused(client, phone, rasa, settings, monkeypatch):
    monkeypatch.setattr(settings, "twilio_auth_token", SecretStr(""))
    form = phone.form("Hallo")
    signed = {"X-Twilio-Signature": signature(WEBHOOK, form, token="")}
    assert client.post("/channels/twilio", data=form, headers=signed).status_code == 403


def test_behind_a_proxy_the_signature_over_the_public_https_url_counts(client, phone, rasa):
    form = phone.form("Hallo")
    public = "https://kim.kreis-hoexter.example/channels/twilio"
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kim.kreis-hoexter.example"}
    assert phone.post(form, public, proxied).status_code == 200
    # The same request signed over the internal http URL is not what Twilio called.
    assert phone.post(phone.form("Hallo"), WEBHOOK, proxied).status_code == 403
    # Without the proxy's headers the URL is the request's own.
    assert phone.post(phone.form("Hallo"), public).status_code == 403


def test_the_public_url_setting_is_what_twilio_signs(client, phone, rasa, settings, monkeypatch):
    monkeypatch.setattr(settings, "public_url", "https://kim.example.org/")
    public = "https://kim.example.org/channels/twilio"
    assert phone.post(phone.form("Hallo"), public).status_code == 200
    assert phone.post(phone.form("Hallo"), WEBHOOK).status_code == 403


@pytest.mark.parametrize("missing", ["From", "Body"])
def test_a_signed_form_without_sender_or_body_is_refused_and_nothing_stored(
    client, phone, rasa, session, settings, missing
):
    form = phone.form("Hallo")
    del form[missing]
    assert phone.post(form).status_code == 400
    assert stored(session, settings, phone) is None
    assert rasa.calls == []


# Conversations


def test_whatsapp_message_reaches_the_assistant_under_a_pseudonym(phone, rasa, session, settings):
    assert phone.says("Hallo, ich brauche Hilfe beim Jobcenter") == [
        "echo: Hallo, ich brauche Hilfe beim Jobcenter"
    ]
    [call] = rasa.calls
    assert call["channel"] == "whatsapp" and call["language"] == "de"
    assert phone.number not in call["conversation_id"]
    conversation = stored(session, settings, phone)
    assert conversation.id == call["conversation_id"] and conversation.channel == "whatsapp"
    # The number is kept only encrypted, for reminders.
    assert phone.number not in conversation.address_encrypted
    assert address_of(conversation) == phone.number
    assert utcnow() - conversation.last_inbound_at < timedelta(minutes=1)


def test_a_plain_number_is_sms(client, rasa, session, settings):
    sms = Phone(client, channel="sms")
    sms.says("Hallo")
    assert rasa.calls[0]["channel"] == "sms"
    assert stored(session, settings, sms, "sms").channel == "sms"


def test_numbered_choices_survive_between_requests(phone, rasa, session, settings):
    rasa.replies(
        {"text": "Möchten Sie einen Termin?", "buttons": list(YES_NO)},
        {"text": "Oder eine Frage?", "buttons": [{"title": "Themen", "payload": "/topics"}]},
    )
    [answer] = phone.says("Termin")
    assert answer == (
        "Möchten Sie einen Termin?\n\n1 Ja\n2 Nein\n\n"
        "Oder eine Frage?\n\n3 Themen\n\n"
        "Bitte schreiben Sie die Zahl."
    )
    choices = [*YES_NO, {"title": "Themen", "payload": "/topics"}]
    assert stored(session, settings, phone).choices == choices

    rasa.replies({"text": "Gut.", "buttons": list(YES_NO)})
    phone.says("2")
    assert rasa.texts[-1] == "/deny"
    rasa.replies({"text": "Gut.", "buttons": list(YES_NO)})
    phone.says("٢")  # Arabic-Indic two
    assert rasa.texts[-1] == "/deny"
    rasa.replies({"text": "Gut.", "buttons": list(YES_NO)})
    phone.says("۱")  # Persian one
    assert rasa.texts[-1] == "/affirm"
    rasa.replies({"text": "Gut.", "buttons": list(YES_NO)})
    phone.says(" nein ")  # the title, in any case
    assert rasa.texts[-1] == "/deny"
    # No number of a choice, no title: sent as typed; the answer had no buttons, so the
    # choices are gone and "1" is just "1".
    phone.says("7")
    assert rasa.texts[-1] == "7"
    assert stored(session, settings, phone).choices is None
    phone.says("1")
    assert rasa.texts[-1] == "1"


def test_long_answers_are_split_in_order_below_the_limit(phone, rasa):
    paragraphs = [
        " ".join(f"Absatz {p}, Satz {s} erklärt etwas Wichtiges." for s in range(30))
        for p in range(3)
    ]
    rasa.replies({"text": "\n\n".join(paragraphs)})
    parts = phone.says("Erklären Sie alles")
    assert len(parts) > 2
    assert all(len(part) <= 1600 for part in parts)
    assert " ".join(parts).split() == "\n\n".join(paragraphs).split()  # nothing lost, in order
    assert all(part.endswith(".") for part in parts)  # cut at sentence ends


def test_split_text_prefers_paragraphs_then_sentences_then_words():
    text = "Erster Absatz.\n\n" + "Wort " * 50
    assert split_text(text, 30)[0] == "Erster Absatz."
    assert split_text("Eins. Zwei drei. Vier fünf sechs sieben.", 20) == [
        "Eins. Zwei drei.",
        "Vier fünf sechs",
        "sieben.",
    ]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    emoji = "🙂" * 10  # two UTF-16 units each, as Twilio counts
    assert split_text(emoji, 10) == ["🙂" * 5, "🙂" * 5]


def test_media_gets_the_text_only_answer_without_the_assistant(phone, rasa, session, settings):
    rasa.replies({"text": "مرحبا"})
    phone.says("مرحبا، أحتاج مساعدة في السكن")
    [answer] = phone.says("", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1")
    assert answer == gettext("ar", MEDIA_NOT_READ)
    # A picture with a caption is a picture too.
    assert phone.says("انظر", NumMedia="2") == [gettext("ar", MEDIA_NOT_READ)]
    assert len(rasa.calls) == 1
    assert stored(session, settings, phone).language == "ar"


def test_a_message_over_the_limit_is_refused_in_its_language(phone, rasa, settings):
    text = "Ich habe eine Frage zu meiner Wohnung und zum Jobcenter. " * 20
    assert len(text) > settings.chat_max_chars
    [answer] = phone.says(text)
    assert answer == gettext("de", TEXT_TOO_LONG, max=settings.chat_max_chars)
    arabic = "عندي سؤال عن السكن وعن مركز العمل. " * 40
    assert Phone(phone.client).says(arabic) == [
        gettext("ar", TEXT_TOO_LONG, max=settings.chat_max_chars)
    ]
    assert rasa.calls == []


def test_assistant_down_is_said_in_the_conversations_language(phone, rasa):
    rasa.down = True
    [answer] = phone.says("مرحبا، أحتاج مساعدة في السكن")
    assert answer == "المساعد غير متاح الآن. من فضلك حاول مرة أخرى بعد دقيقة."


# STOP, START, HILFE


def reminders_due(session, settings, conversation: str) -> list[tuple[str, str]]:
    """Books a slot for the conversation, runs the reminders an hour before it, cancels it."""
    now = utcnow()
    county = get_county(session, settings.county)
    town = next(m for m in county.municipalities if m.name == "Brakel")
    slot = search_slots(session, county, town, now).slots[0]
    held = hold_slot(
        session, county, conversation, slot.key, language="ar", channel="whatsapp",
        municipality=town, now=now,
    )  # fmt: skip
    booking = confirm_hold(session, held.hold_token, now)
    send_due_reminders(session, booking.starts_at - timedelta(hours=1), settings.base_url)
    sent = [
        (message.status, message.language)
        for message in session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.conversation_id == conversation, OutboundMessage.kind == "reminder"
            )
        )
    ]
    cancel_booking(session, booking, now, "resident")  # it was only for this check
    session.commit()
    return sent


def test_stop_opts_out_of_reminders_and_start_opts_in_again(phone, rasa, session, settings):
    rasa.replies({"text": "مرحبا"})
    phone.says("مرحبا، أحتاج موعد")
    conversation = stored(session, settings, phone).id
    session.rollback()

    # Arabic STOP, answered in the conversation's language.
    assert phone.says("توقف") == [gettext("ar", STOPPED)]
    assert stored(session, settings, phone).opted_out is True
    session.rollback()
    assert reminders_due(session, settings, conversation) == []

    assert phone.says("Start") == [gettext("ar", STARTED)]
    assert stored(session, settings, phone).opted_out is False
    session.rollback()
    assert reminders_due(session, settings, conversation) == [("logged", "ar")]  # local mode
    assert len(rasa.calls) == 1  # commands never reach the assistant


@pytest.mark.parametrize(
    ("word", "language"),
    # A new conversation is answered in the word's language when only one language has it
    # ("dur" is Turkish), else in the county's.
    [("STOP", "de"), ("Stopp!", "de"), ("стоп", "de"), ("dur", "tr"), ("توقّف", "de"),
     ("/stop", "de")],
)  # fmt: skip
def test_stop_in_any_enabled_language_and_spelling(client, rasa, session, settings, word, language):
    phone = Phone(client)
    [answer] = phone.says(word)
    assert stored(session, settings, phone).opted_out is True
    assert answer == gettext(language, STOPPED)
    assert rasa.calls == []


def test_help_explains_the_commands(phone, rasa):
    [answer] = phone.says("Hilfe")
    assert answer == gettext("de", HELP)
    assert "STOP" in answer and "START" in answer and "112" in answer
    assert rasa.calls == []


def test_start_with_an_office_greets_and_keeps_the_source(phone, rasa, session, settings):
    """The QR poster's WhatsApp link writes "START <office>" for the resident."""
    phone.says("START buergerbuero-brakel")
    [call] = rasa.calls
    assert call["text"] == "/greet" and call["source"] == "buergerbuero-brakel"
    assert stored(session, settings, phone).source == "buergerbuero-brakel"
    other = Phone(phone.client)
    other.says("START no-such-office")
    assert rasa.calls[-1]["text"] == "/greet" and rasa.calls[-1]["source"] is None


def test_the_twiml_has_one_message_per_part(phone, rasa):
    rasa.replies({"text": "Satz. " * 400})
    response = phone.post(phone.form("lang"))
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    assert [child.tag for child in root] == ["Message"] * len(list(root))
    assert len(list(root)) == 2


def test_over_the_rate_limit_the_resident_is_told_to_wait(client, rasa, monkeypatch):
    limiter = RateLimiter(2)
    monkeypatch.setattr(dialogue, "rate_limiter", lambda: limiter)
    phone = Phone(client)
    phone.says("Hallo")
    phone.says("Hilfe")  # commands count too
    assert phone.says("Hallo") == [gettext("de", TOO_MANY_MESSAGES)]
    assert phone.says("STOP") == [gettext("de", TOO_MANY_MESSAGES)]
    assert rasa.texts == ["Hallo"]
