"""Booking actions: answers that need no api, and a clear message when the api is down."""

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import (
    ActionAskBookingSlot,
    ActionBookingStart,
    ValidateBookingForm,
    ValidateManageBookingForm,
)


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


async def test_when_the_api_is_down_the_resident_is_told_to_try_again(api_down):
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


async def test_a_code_the_resident_types_is_looked_up(api_down):
    dispatcher = CollectingDispatcher()
    asked = tracker({"requested_slot": "booking_code"}, text="k7qm-4xpz")
    result = await ValidateManageBookingForm().validate_booking_code(
        "k7qm-4xpz", dispatcher, asked, domain={}
    )
    assert result == {"booking_code": None}
    assert responses(dispatcher) == ["utter_booking_unavailable"]


async def test_a_booking_the_manage_action_just_found_is_not_looked_up_again(api_down):
    """Cancelling finds the booking once; then the form asks "really cancel?" straight away."""
    dispatcher = CollectingDispatcher()
    found = tracker({"booking_code": "K7QM-4XPZ"}, text="/cancel_appointment")
    result = await ValidateManageBookingForm().validate_booking_code(
        "K7QM-4XPZ", dispatcher, found, domain={}
    )
    assert result == {"booking_code": "K7QM-4XPZ"}
    assert dispatcher.messages == []


OFFER = {
    "municipality": "brakel",
    "slots": [{"key": "1-2026-12-01T09:00-30", "starts_at": "2026-12-01T08:00:00Z"}],
    "scope": "own",
    "next_after": "2026-12-02",
}


async def test_the_slots_found_with_the_town_are_offered_without_searching_again(api_down):
    dispatcher = CollectingDispatcher()
    chosen = tracker({"booking_municipality": "brakel", "booking_offer": OFFER})
    events = await ActionAskBookingSlot().run(dispatcher, chosen, domain={})
    assert dispatcher.messages[0]["response"] == "utter_ask_booking_slot"
    assert dispatcher.messages[0]["slots"] == OFFER["slots"]
    assert events == [{"event": "slot", "timestamp": None, "name": "booking_offer", "value": None}]


async def test_later_days_or_another_town_are_searched_anew(api_down):
    for slots in (
        {"booking_municipality": "brakel", "booking_offer": OFFER, "booking_after": "2026-12-07"},
        {"booking_municipality": "warburg", "booking_offer": OFFER},
    ):
        dispatcher = CollectingDispatcher()
        await ActionAskBookingSlot().run(dispatcher, tracker(slots), domain={})
        assert responses(dispatcher) == ["utter_booking_unavailable"]  # it asked the api
