from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Slots that come from the channel's metadata, not from what the resident says.
METADATA_SLOTS = ("channel", "source", "language")


class ActionSessionStart(Action):
    """Starts a session and keeps the channel, source office and language the api sent.

    Reporting (contacts by source office and channel) and later flows read these slots.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        # Slots of the previous session carry over (domain: carry_over_slots_to_new_session).
        for key, value in tracker.current_slot_values().items():
            if key != "session_started_metadata" and value is not None:
                events.append(SlotSet(key, value))
        metadata = tracker.get_slot("session_started_metadata") or {}
        for key in METADATA_SLOTS:
            if metadata.get(key):
                events.append(SlotSet(key, metadata[key]))
        events.append(ActionExecuted("action_listen"))
        return events
