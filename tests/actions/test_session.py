"""action_session_start keeps what the channel told us about the conversation."""

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart


def tracker(slots: dict) -> Tracker:
    return Tracker(
        sender_id="conv-1",
        slots=slots,
        latest_message={},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run(slots: dict) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(dispatcher, tracker(slots), domain={})
    assert dispatcher.messages == [], "session start must not talk"
    return events


async def test_sets_channel_source_and_language_from_the_first_message():
    events = await run(
        {"session_started_metadata": {"channel": "web", "source": "ewo-brakel", "language": "ar"}}
    )
    assert events[0] == SessionStarted()
    assert SlotSet("channel", "web") in events
    assert SlotSet("source", "ewo-brakel") in events
    assert SlotSet("language", "ar") in events
    assert events[-1] == ActionExecuted("action_listen")


async def test_carries_over_slots_of_the_previous_session():
    events = await run({"language": "en", "session_started_metadata": None})
    assert SlotSet("language", "en") in events
    assert not any(e.get("name") == "session_started_metadata" for e in events)


async def test_new_metadata_wins_over_carried_slots():
    events = await run({"language": "en", "session_started_metadata": {"language": "ar"}})
    language_events = [e for e in events if e.get("name") == "language"]
    assert language_events[-1] == SlotSet("language", "ar")
