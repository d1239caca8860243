"""Actions that choose what to say; the words themselves are rendered by the api's NLG endpoint."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.api import ApiUnavailable
from actions.booking import act_on, find_booking

FALLBACK_RESPONSES = ("utter_default", "utter_default_again")


class ActionSwitchLanguage(Action):
    """A language button names the language; a typed request gets the language buttons."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        chosen = next(tracker.get_latest_entity_values("language"), None)
        if chosen:
            dispatcher.utter_message(response="utter_language_switched")
            return [SlotSet("language", chosen)]
        dispatcher.utter_message(response="utter_switch_language")
        return []


class ActionFallback(Action):
    """First miss: ask again with topics. Second miss in a row: offer a human and topics.

    A message with a booking code in it is never a miss: whatever words surround the code
    (which the model cannot know), the resident is shown that booking.
    """

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text")
        try:
            booking = await find_booking(tracker, text, own=False) if text else None
        except ApiUnavailable:
            booking = None  # then it is a miss like any other
        if booking:
            return await act_on("check", booking, dispatcher)
        dispatcher.utter_message(
            response="utter_default_again" if missed_before(tracker) else "utter_default"
        )
        return []


def missed_before(tracker: Tracker) -> bool:
    """Whether the bot's previous turn, before this message, was already a fallback."""
    user_turns = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_turns += 1
            if user_turns > 1:
                return False
        elif event.get("event") == "bot" and user_turns == 1:
            template = (event.get("metadata") or {}).get("utter_action")
            return template in FALLBACK_RESPONSES
    return False


class ActionFaq(Action):
    """Answers any faq_* intent with the curated answer for that topic (rendered by the api)."""

    def name(self) -> str:
        return "action_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = (tracker.latest_message.get("intent") or {}).get("name", "")
        dispatcher.utter_message(response="utter_faq", topic=topic)
        return []
