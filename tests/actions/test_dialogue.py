"""The dialogue actions choose the right response; the api renders its words."""

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import ActionFallback, ActionFaq, ActionSwitchLanguage


def tracker(events=(), latest_message=None) -> Tracker:
    return Tracker(
        sender_id="conv-1",
        slots={},
        latest_message=latest_message or {},
        events=list(events),
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def user(text: str) -> dict:
    return {"event": "user", "text": text}


def bot(response: str) -> dict:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": response}}


async def run(action, the_tracker) -> tuple[list[dict], list]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, the_tracker, domain={})
    return dispatcher.messages, events


async def test_language_button_switches_and_confirms():
    message = {
        "intent": {"name": "switch_language"},
        "entities": [{"entity": "language", "value": "ar"}],
    }
    messages, events = await run(ActionSwitchLanguage(), tracker(latest_message=message))
    assert [m["response"] for m in messages] == ["utter_language_switched"]
    assert events == [SlotSet("language", "ar")]


async def test_typed_language_request_offers_the_languages():
    message = {"intent": {"name": "switch_language"}, "entities": []}
    messages, events = await run(ActionSwitchLanguage(), tracker(latest_message=message))
    assert [m["response"] for m in messages] == ["utter_switch_language"]
    assert events == []


async def test_first_miss_asks_again():
    events = [user("hallo"), bot("utter_greet"), user("xqzt")]
    messages, _ = await run(ActionFallback(), tracker(events))
    assert [m["response"] for m in messages] == ["utter_default"]


async def test_second_miss_in_a_row_offers_a_human():
    events = [user("xqzt"), bot("utter_default"), user("blorp")]
    messages, _ = await run(ActionFallback(), tracker(events))
    assert [m["response"] for m in messages] == ["utter_default_again"]


async def test_a_miss_after_an_understood_message_starts_counting_again():
    events = [user("xqzt"), bot("utter_default"), user("hallo"), bot("utter_greet"), user("blorp")]
    messages, _ = await run(ActionFallback(), tracker(events))
    assert [m["response"] for m in messages] == ["utter_default"]


async def test_faq_passes_the_topic_to_the_renderer():
    message = {"intent": {"name": "faq_housing", "confidence": 0.9}}
    messages, _ = await run(ActionFaq(), tracker(latest_message=message))
    assert messages[0]["response"] == "utter_faq"
    assert messages[0]["topic"] == "faq_housing"


async def test_a_miss_with_a_code_while_the_api_is_down_is_still_answered(api_down):
    message = {"text": "mein termin k7qm-4xpz", "intent": {"name": "nlu_fallback"}}
    messages, events = await run(ActionFallback(), tracker(latest_message=message))
    assert [m["response"] for m in messages] == ["utter_default"]
    assert events == []
