"""Booking actions: answers that need no api, and a clear message when the api is down."""

import socket

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import booking
from actions.api import ApiClient
from actions.booking import ActionBookingStart, ValidateBookingForm, ValidateManageBookingForm


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tracker(slots=None, text="") -> Tracker:
    return Tracker(
        sender_id="conv-1",
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": "book_appointment"}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "booking_form"},
        latest_action_name="action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_when_the_api_is_down_the_resident_is_told_to_try_again(monkeypatch):
    monkeypatch.setattr(booking, "api", ApiClient(f"http://127.0.0.1:{closed_port()}", "token"))
    dispatcher = CollectingDispatcher()
    events = await ActionBookingStart().run(dispatcher, tracker(), domain={})
    assert responses(dispatcher) == ["utter_booking_unavailable"]
    assert events == []  # no form started, nothing lost


async def test_other_days_moves_the_search_without_holding_anything():
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingForm().validate_booking_slot(
        "later:2026-12-07", dispatcher, tracker(), domain={}
    )
    assert result == {"booking_slot": None, "booking_after": "2026-12-07"}
    assert dispatcher.messages == []


async def test_typed_words_instead_of_a_slot_button_ask_for_a_button():
    dispatcher = CollectingDispatcher()
    result = await ValidateBookingForm().validate_booking_slot(
        "dienstag morgen", dispatcher, tracker(), domain={}
    )
    assert result == {"booking_slot": None}
    assert responses(dispatcher) == ["utter_booking_choose_slot"]


async def test_slots_cleared_before_the_form_starts_are_not_taken_for_answers():
    dispatcher = CollectingDispatcher()
    form = ValidateBookingForm()
    assert await form.validate_booking_confirmed(None, dispatcher, tracker(), domain={}) == {}
    assert await form.validate_booking_municipality(None, dispatcher, tracker(), domain={}) == {}
    assert dispatcher.messages == []


async def test_a_code_the_resident_types_is_looked_up(monkeypatch):
    monkeypatch.setattr(booking, "api", ApiClient(f"http://127.0.0.1:{closed_port()}", "token"))
    dispatcher = CollectingDispatcher()
    asked = tracker({"requested_slot": "booking_code"}, text="k7qm-4xpz")
    result = await ValidateManageBookingForm().validate_booking_code(
        "k7qm-4xpz", dispatcher, asked, domain={}
    )
    assert result == {"booking_code": None}
    assert responses(dispatcher) == ["utter_booking_unavailable"]


async def test_a_booking_the_manage_action_just_found_is_not_looked_up_again(monkeypatch):
    """ "Cancel my appointment": found once, then the form asks "really cancel?" straight away."""
    monkeypatch.setattr(booking, "api", ApiClient(f"http://127.0.0.1:{closed_port()}", "token"))
    dispatcher = CollectingDispatcher()
    found = tracker({"booking_code": "K7QM-4XPZ"}, text="/cancel_appointment")
    result = await ValidateManageBookingForm().validate_booking_code(
        "K7QM-4XPZ", dispatcher, found, domain={}
    )
    assert result == {"booking_code": "K7QM-4XPZ"}
    assert dispatcher.messages == []
