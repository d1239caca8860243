"""Messages the front door starts (reminders, feedback, cancellations) through Twilio and
Telegram stand-ins on loopback, and Twilio's delivery status callback."""

import json
import uuid
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from conversations.channels import note_inbound
from conversations.models import OutboundMessage
from conversations.outbound import send_message
from core.db import get_sessionmaker, utcnow
from scheduler.bookings import cancel_booking, confirm_hold, format_code, hold_slot
from scheduler.followups import send_due_reminders
from scheduler.models import Booking
from scheduler.service import get_county
from scheduler.slots import search_slots
from tests.channels.conftest import new_number
from tests.support import twilio_api
from tests.support.telegram_api import BOT_TOKEN, TelegramApi
from tests.support.twilio_api import ACCOUNT_SID, AUTH_TOKEN, TwilioApi, signature

PUBLIC_URL = "https://kim.kreis-hoexter.example"
STATUS_URL = f"{PUBLIC_URL}/channels/twilio/status"
NOW = utcnow()


@pytest.fixture
def twilio(settings, monkeypatch):
    api = TwilioApi()
    for name, value in {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": SecretStr(AUTH_TOKEN),
        "twilio_api_base": api.url,
        "twilio_whatsapp_from": twilio_api.WHATSAPP_FROM,
        "twilio_sms_from": twilio_api.SMS_FROM,
        "twilio_reminder_templates": {"ar": "HX" + "a" * 32},
        "public_url": PUBLIC_URL,
    }.items():
        monkeypatch.setattr(settings, name, value)
    yield api
    api.stop()


@pytest.fixture
def telegram(settings, monkeypatch):
    api = TelegramApi()
    monkeypatch.setattr(settings, "telegram_bot_token", SecretStr(BOT_TOKEN))
    monkeypatch.setattr(settings, "telegram_api_base", api.url)
    yield api
    api.stop()


def resident(session, channel="whatsapp", language="ar", wrote_ago=timedelta(hours=1)):
    """A conversation whose resident last wrote `wrote_ago` (None: never through this channel)."""
    address = new_number() if channel != "telegram" else "987654321"
    conversation = note_inbound(
        session, uuid.uuid4().hex, channel, address, language, NOW - (wrote_ago or timedelta(0))
    )
    if wrote_ago is None:
        conversation.last_inbound_at = None
    return conversation, address


def test_a_whatsapp_message_goes_through_the_messages_api(session, twilio):
    conversation, number = resident(session)
    message = send_message(session, conversation, "feedback", "Wie war es?", NOW)
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["auth"] == (ACCOUNT_SID, AUTH_TOKEN)
    assert request["form"] == {
        "To": f"whatsapp:{number}",
        "From": twilio_api.WHATSAPP_FROM,
        "Body": "Wie war es?",
        "StatusCallback": STATUS_URL,
    }
    assert message.status == "queued" and message.provider_id.startswith("SM")


def test_sms_has_no_window_and_no_prefix(session, twilio):
    conversation, number = resident(session, "sms", wrote_ago=timedelta(days=30))
    send_message(session, conversation, "cancelled", "Leider abgesagt.", NOW)
    [request] = twilio.requests
    assert request["form"]["To"] == number and request["form"]["From"] == twilio_api.SMS_FROM


@pytest.fixture
def booked(session, settings):
    """Books the first free slot in Brakel for a conversation. A reminder run commits its
    bookings (scheduler/followups.py), so each is cancelled again after the test: later tests
    find the same free slots."""
    made: list[int] = []

    def book(conversation) -> Booking:
        county = get_county(session, settings.county)
        town = next(m for m in county.municipalities if m.name == "Brakel")
        slot = search_slots(session, county, town, NOW).slots[0]
        held = hold_slot(
            session, county, conversation.id, slot.key, language=conversation.language,
            channel=conversation.channel, municipality=town, now=NOW,
        )  # fmt: skip
        booking = confirm_hold(session, held.hold_token, NOW)
        made.append(booking.id)
        return booking

    yield book
    session.rollback()
    for booking_id in made:
        booking = session.get(Booking, booking_id)
        if booking is not None and booking.status == "confirmed":
            cancel_booking(session, booking, utcnow(), "resident")
    session.commit()


def reminder_of(session, booking) -> OutboundMessage:
    return session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.conversation_id == booking.conversation_id,
            OutboundMessage.kind == "reminder",
        )
    )


def test_a_reminder_inside_the_24_hours_is_free_text(session, settings, county, twilio, booked):
    conversation, number = resident(session)
    booking = booked(conversation)
    due = booking.starts_at - timedelta(hours=1)
    conversation.last_inbound_at = due - timedelta(hours=23)
    send_due_reminders(session, due, settings.base_url)
    [request] = [r for r in twilio.requests if r["form"]["To"] == f"whatsapp:{number}"]
    assert format_code(booking.code) in request["form"]["Body"]
    assert "Brakel" in request["form"]["Body"]
    assert reminder_of(session, booking).status == "queued"


def test_a_resident_can_cancel_while_their_reminder_is_being_sent(
    session, settings, county, twilio, booked
):
    """The provider is called before the reminder run writes anything. Called inside the
    transaction, it kept the database's write lock (SQLite; the booking's row on PostgreSQL)
    while Twilio answered, and every chat message waited for it."""
    conversation, _ = resident(session)
    booking = booked(conversation)
    conversation.last_inbound_at = booking.starts_at - timedelta(hours=2)
    session.commit()
    cancelled: list[str] = []

    def resident_cancels() -> None:
        # Another process, waiting at most a second for a lock instead of SQLite's 30.
        url = settings.sqlalchemy_url
        impatient = (
            {"timeout": 1} if url.startswith("sqlite") else {"options": "-c lock_timeout=1000"}
        )
        engine = create_engine(url, connect_args=impatient)
        try:
            with Session(engine) as other:
                mine = other.get(Booking, booking.id)
                cancelled.append(cancel_booking(other, mine, utcnow(), "resident").status)
                other.commit()
        finally:
            engine.dispose()

    twilio.while_sending = resident_cancels
    assert send_due_reminders(session, booking.starts_at - timedelta(hours=1), settings.base_url)
    assert cancelled == ["cancelled"]
    assert reminder_of(session, booking).status == "queued"


def test_a_reminder_run_that_overlaps_a_slow_one_sends_nothing_twice(
    session, settings, county, twilio, booked
):
    """Beat starts a run every 5 minutes; with a slow provider, or two workers, runs overlap."""
    conversation, number = resident(session)
    booking = booked(conversation)
    session.commit()
    due = booking.starts_at - timedelta(hours=1)
    second_run: list[int] = []

    def another_run_starts() -> None:
        twilio.while_sending = None
        engine = create_engine(settings.sqlalchemy_url)
        try:
            with Session(engine) as other:
                second_run.append(send_due_reminders(other, due, settings.base_url))
                other.commit()
        finally:
            engine.dispose()

    twilio.while_sending = another_run_starts
    assert send_due_reminders(session, due, settings.base_url) == 1
    assert second_run == [0]
    assert len([r for r in twilio.requests if r["form"]["To"] == f"whatsapp:{number}"]) == 1


def test_a_reminder_after_24_hours_uses_the_languages_template(
    session, settings, county, twilio, booked
):
    conversation, number = resident(session, language="ar", wrote_ago=None)
    booking = booked(conversation)
    due = booking.starts_at - timedelta(hours=1)
    conversation.last_inbound_at = due - timedelta(hours=30)
    send_due_reminders(session, due, settings.base_url)
    [request] = [r for r in twilio.requests if r["form"]["To"] == f"whatsapp:{number}"]
    form = request["form"]
    assert "Body" not in form and form["ContentSid"] == "HX" + "a" * 32
    variables = json.loads(form["ContentVariables"])
    assert list(variables) == ["1", "2", "3"]
    assert variables["3"] == format_code(booking.code)
    assert "Brakel" in variables["2"] and "\n" not in variables["2"]
    assert form["StatusCallback"] == STATUS_URL
    assert reminder_of(session, booking).status == "queued"


def test_after_24_hours_without_a_template_nothing_is_sent(session, settings, twilio):
    german, _ = resident(session, language="de", wrote_ago=timedelta(hours=25))
    reminder = send_message(
        session, german, "reminder", "Erinnerung", NOW,
        variables={"when": "morgen", "place": "Brakel", "code": "H7KM-3PXT"},
    )  # fmt: skip
    # Only reminders have a template: a feedback question waits for nobody.
    arabic, _ = resident(session, language="ar", wrote_ago=timedelta(days=3))
    feedback = send_message(session, arabic, "feedback", "Wie war es?", NOW)
    assert (reminder.status, feedback.status) == ("outside_window", "outside_window")
    assert twilio.requests == []


def test_a_refused_message_is_recorded_as_failed(session, settings, twilio):
    twilio.refuse = True
    conversation, _ = resident(session)
    assert send_message(session, conversation, "feedback", "Frage", NOW).status == "failed"


def test_without_an_address_the_message_is_undeliverable(session, settings, twilio):
    conversation, _ = resident(session)
    conversation.address_encrypted = None
    assert send_message(session, conversation, "feedback", "Frage", NOW).status == "undeliverable"
    assert twilio.requests == []


def test_local_mode_logs(session, settings, caplog):
    assert not settings.twilio_account_sid  # the test environment's default
    conversation, _ = resident(session)
    with caplog.at_level("INFO", logger="kim.outbound"):
        message = send_message(session, conversation, "feedback", "Wie war es?", NOW)
    assert message.status == "logged" and "[local mode]" in caplog.text


def post_status(client, form, url=STATUS_URL, token=AUTH_TOKEN):
    headers = {
        "X-Twilio-Signature": signature(url, form, token),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "kim.kreis-hoexter.example",
    }
    return client.post("/channels/twilio/status", data=form, headers=headers)


def test_the_status_callback_records_delivery_and_never_goes_back(client, settings, twilio):
    with get_sessionmaker()() as session:
        conversation, _ = resident(session)
        message = send_message(session, conversation, "feedback", "Wie war es?", NOW)
        session.commit()
        sid, message_id = message.provider_id, message.id

    def status() -> str:
        with get_sessionmaker()() as session:
            return session.get(OutboundMessage, message_id).status

    form = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    assert post_status(client, form, token="wrong").status_code == 403
    assert status() == "queued"
    assert post_status(client, form).status_code == 204
    assert status() == "delivered"
    # A late "sent" does not undo "delivered"; "read" moves on.
    assert post_status(client, form | {"MessageStatus": "sent"}).status_code == 204
    assert status() == "delivered"
    post_status(client, form | {"MessageStatus": "read"})
    assert status() == "read"
    # Unknown messages are acknowledged (Twilio would retry otherwise), malformed ones refused.
    assert post_status(client, form | {"MessageSid": "SMunknown"}).status_code == 204
    assert post_status(client, {"MessageSid": sid}).status_code == 400


def test_telegram_reminders_go_through_send_message(session, telegram):
    conversation, chat_id = resident(session, "telegram", wrote_ago=timedelta(days=10))
    message = send_message(session, conversation, "reminder", "Erinnerung: morgen", NOW)
    [request] = telegram.calls("sendMessage")
    assert request == {"chat_id": chat_id, "text": "Erinnerung: morgen"}
    assert telegram.requests[0]["token"] == BOT_TOKEN
    assert message.status == "sent" and message.provider_id == "100"
