"""Booking in chat: town -> free slots -> hold -> confirm; and check, cancel, move a booking.

The forms (bot/domain.yml) ask; these actions validate each answer with the api and choose
the response. The api holds the rules and the data, and renders every word in the resident's
language (responses with dynamic buttons get their data as arguments).
"""

import asyncio
import contextlib
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api import ApiUnavailable, api, release_hold
from actions.screening import (
    DECLINED,
    SCREENING_SLOTS,
    TRIAGED,
    ScreeningValidation,
    answers_of,
)

BOOKING_SLOTS = (
    *SCREENING_SLOTS,
    "booking_slot",
    "booking_hold",
    "booking_after",
    "booking_offer",
    "booking_confirmed",
    "booking_code",
    "booking_action",
    "booking_replaces",
    "cancel_confirmed",
)
LATER = "later"
# After this many unknown codes the form gives up and offers a new booking instead.
MAX_CODE_MISSES = 2
# booking_slot values that end the form without a booking; the finish action stays silent.
ENDED = ("already_booked", DECLINED, TRIAGED)


def reset(*keep: str) -> list[EventType]:
    return [SlotSet(name, None) for name in BOOKING_SLOTS if name not in keep] + [
        SlotSet("booking_code_misses", 0)
    ]


async def find_booking(tracker: Tracker, text: str | None = None, own: bool = True) -> dict | None:
    """The booking whose code the resident typed, else (if `own`) the conversation's own."""
    params = {"code": text}
    if own:
        params["conversation_id"] = tracker.sender_id
    status, body = await api.call("GET", "/internal/booking/bookings", params=params)
    return body if status == 200 else None


class ActionBookingStart(Action):
    """One intake booking per person: show the one there is, or start looking for a slot."""

    def name(self) -> str:
        return "action_booking_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Both at once: this is the first answer to "I need an appointment".
        booking, asked = await asyncio.gather(
            # A code in the request ("termin k7qm4xpz") means that booking, not a new one.
            find_booking(tracker, tracker.latest_message.get("text")),
            api.call("GET", "/internal/intake/questions"),
            return_exceptions=True,
        )
        for result in (booking, asked):
            if isinstance(result, ApiUnavailable):
                dispatcher.utter_message(response="utter_booking_unavailable")
                return []
            if isinstance(result, BaseException):
                raise result
        if booking:
            dispatcher.utter_message(
                response="utter_booking_existing", booking_code=booking["code"]
            )
            return []
        return [
            *reset(),
            SlotSet("booking_municipality", None),
            SlotSet("screening_fields", asked[1]["fields"]),
            FollowupAction("booking_form"),
        ]


class ValidateBookingForm(ScreeningValidation, FormValidationAction):
    def name(self) -> str:
        return "validate_booking_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Town and slot; then consent and the county's questions; then yes to book."""
        slots = ["booking_municipality", "booking_slot"]
        fields = list(tracker.get_slot("screening_fields") or {})
        # Moving a booking asks nothing again: its record stays with the case system.
        moving = bool(tracker.get_slot("booking_replaces"))
        if fields and not moving and tracker.get_slot("booking_slot") not in ENDED:
            slots.append("consent_given")
            if tracker.get_slot("consent_given") is True:
                slots += [f"screen_{field}" for field in fields] + ["screening_correct"]
        return [*slots, "booking_confirmed"]

    async def validate_booking_municipality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}  # cleared by reset() before the form starts, not an answer
        try:
            _, found = await api.call(
                "GET",
                "/internal/booking/municipalities/match",
                params={"text": str(value), "offer": "true"},
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return {"booking_municipality": None}
        if found.get("slug"):
            # The slot question comes next: action_ask_booking_slot offers these.
            offer = found.get("offer") and {**found["offer"], "municipality": found["slug"]}
            return {"booking_municipality": found["slug"], "booking_offer": offer}
        dispatcher.utter_message(
            response="utter_booking_municipality_unknown", suggestions=found.get("suggestions")
        )
        return {"booking_municipality": None}

    async def validate_booking_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}  # cleared by reset() before the form starts, not an answer
        value = str(value)
        if value.startswith(LATER + ":"):
            return {"booking_slot": None, "booking_after": value.split(":", 1)[1]}
        if value.startswith("/") or value.count("-") != 3:
            dispatcher.utter_message(response="utter_booking_choose_slot")
            return {"booking_slot": None}
        try:
            status, body = await api.call(
                "POST",
                "/internal/booking/holds",
                json={
                    "conversation_id": tracker.sender_id,
                    "slot_key": value,
                    "municipality": tracker.get_slot("booking_municipality"),
                    "replaces_code": tracker.get_slot("booking_replaces"),
                },
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return {"booking_slot": None}
        if status == 201:
            return {"booking_slot": value, "booking_hold": body}
        detail = (body or {}).get("detail") or {}
        if detail.get("reason") == "already_booked":
            dispatcher.utter_message(response="utter_booking_existing", booking_code=detail["code"])
            # Ends the form: the finish action sees no hold and says nothing more.
            return {"booking_slot": "already_booked", "booking_confirmed": False}
        dispatcher.utter_message(response="utter_booking_slot_taken")
        return {"booking_slot": None}

    async def validate_booking_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}  # cleared by reset() before the form starts, not an answer
        hold = tracker.get_slot("booking_hold") or {}
        if value is False:
            await release_hold(tracker)
            return {"booking_confirmed": False}
        if value is not True:
            dispatcher.utter_message(response="utter_answer_yes_or_no")
            return {"booking_confirmed": None}
        answers = answers_of(tracker) if tracker.get_slot("consent_given") is True else None
        try:
            status, body = await api.call(
                "POST",
                "/internal/booking/confirm",
                json={"hold_token": hold.get("hold_token"), "answers": answers},
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return {"booking_confirmed": None}
        if status == 200:
            return {"booking_confirmed": True, "booking_code": body["code"]}
        detail = (body or {}).get("detail") or {}
        if detail.get("reason") == "already_booked":
            dispatcher.utter_message(response="utter_booking_existing", booking_code=detail["code"])
            return {"booking_confirmed": False}
        # The hold expired: choose again (the form asks for a slot, then for yes or no).
        dispatcher.utter_message(response="utter_booking_hold_expired")
        return {"booking_confirmed": None, "booking_slot": None, "booking_hold": None}


class ActionAskBookingSlot(Action):
    """The next free slots as buttons; nearby places when the own town has none."""

    def name(self) -> str:
        return "action_ask_booking_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        municipality = tracker.get_slot("booking_municipality")
        after = tracker.get_slot("booking_after")
        offer = tracker.get_slot("booking_offer") or {}
        # What the town's validation just found, unless the resident asked for later days.
        found = offer if offer.get("municipality") == municipality and not after else None
        status = 200
        try:
            if found is None:
                status, found = await api.call(
                    "GET",
                    "/internal/booking/slots",
                    params={"municipality": municipality, "after": after},
                )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return [ActiveLoop(None), SlotSet("requested_slot", None), *reset()]
        if status != 200 or not found["slots"]:
            dispatcher.utter_message(response="utter_booking_no_slots")
            return [ActiveLoop(None), SlotSet("requested_slot", None), *reset()]
        dispatcher.utter_message(
            response="utter_ask_booking_slot"
            if found["scope"] == "own"
            else "utter_booking_slots_nearby",
            slots=found["slots"],
            next_after=found["next_after"],
        )
        # Offered once: asked again (a taken slot, an expired hold), it searches anew.
        return [SlotSet("booking_offer", None)] if offer else []


class ActionAskBookingConfirmed(Action):
    def name(self) -> str:
        return "action_ask_booking_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        moving = bool(tracker.get_slot("booking_replaces"))
        dispatcher.utter_message(
            response="utter_ask_booking_move" if moving else "utter_ask_booking_confirmed",
            hold=tracker.get_slot("booking_hold"),
        )
        return []


class ActionBookingFinish(Action):
    def name(self) -> str:
        return "action_booking_finish"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = tracker.get_slot("booking_code")
        if tracker.get_slot("booking_confirmed") is True and code:
            moved = bool(tracker.get_slot("booking_replaces"))
            dispatcher.utter_message(
                response="utter_booking_moved" if moved else "utter_booking_confirmed",
                booking_code=code,
            )
        elif tracker.get_slot("booking_slot") not in ENDED:
            dispatcher.utter_message(response="utter_booking_stopped")
        return reset()


class ActionBookingStop(Action):
    """ "No" or "cancel" in the middle of a form: let go of the hold and stop asking."""

    def name(self) -> str:
        return "action_booking_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # If the api is down, the hold expires by itself within minutes.
        with contextlib.suppress(ApiUnavailable):
            await release_hold(tracker)
        if tracker.active_loop_name == "manage_booking_form":
            dispatcher.utter_message(response="utter_deny")
        else:
            dispatcher.utter_message(response="utter_booking_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset()]


MANAGE_INTENTS = {
    "check_appointment": "check",
    "cancel_appointment": "cancel",
    "reschedule_appointment": "reschedule",
}


async def act_on(action: str, booking: dict, dispatcher: CollectingDispatcher) -> list[EventType]:
    """What check, cancel and reschedule do once the booking is known."""
    if action == "check":
        dispatcher.utter_message(response="utter_booking_details", booking_code=booking["code"])
        # Remembered, so "cancel" or "move" right after a check needs no second code.
        return [*reset(), SlotSet("booking_code", booking["code"])]
    if action == "reschedule":
        return [
            *reset(),
            SlotSet("booking_replaces", booking["code"]),
            SlotSet("booking_municipality", booking["municipality"]),
            FollowupAction("booking_form"),
        ]
    return [
        *reset(),
        SlotSet("booking_action", "cancel"),
        SlotSet("booking_code", booking["code"]),
        FollowupAction("manage_booking_form"),
    ]


class ActionManageBooking(Action):
    """Check, cancel or move: the booking of this conversation, or the one with the code."""

    def name(self) -> str:
        return "action_manage_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        action = MANAGE_INTENTS.get(intent, "check")
        remembered = tracker.get_slot("booking_code")
        try:
            booking = await find_booking(tracker, tracker.latest_message.get("text"))
            if booking is None and remembered:
                booking = await find_booking(tracker, remembered)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return []
        if booking:
            return await act_on(action, booking, dispatcher)
        return [*reset(), SlotSet("booking_action", action), FollowupAction("manage_booking_form")]


class ValidateManageBookingForm(FormValidationAction):
    def name(self) -> str:
        return "validate_manage_booking_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("booking_action") == "cancel":
            return ["booking_code", "cancel_confirmed"]
        return ["booking_code"]

    async def validate_booking_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}  # cleared by reset() before the form starts, not an answer
        if tracker.get_slot("requested_slot") != "booking_code":
            # Not typed in answer to the form's question (only then is the slot filled from
            # text): action_manage_booking set it to a booking it has just found.
            return {"booking_code": value}
        try:
            booking = await find_booking(tracker, str(value))
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return {"booking_code": None}
        if booking:
            return {"booking_code": booking["code"]}
        misses = int(tracker.get_slot("booking_code_misses") or 0) + 1
        if misses >= MAX_CODE_MISSES:
            dispatcher.utter_message(response="utter_no_booking")
            return {"booking_code": "unknown", "cancel_confirmed": False, "booking_action": None}
        dispatcher.utter_message(response="utter_booking_code_unknown")
        return {"booking_code": None, "booking_code_misses": misses}

    async def validate_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {}  # cleared by reset() before the form starts, not an answer
        if value is True:
            try:
                status, _ = await api.call(
                    "POST", f"/internal/booking/bookings/{tracker.get_slot('booking_code')}/cancel"
                )
            except ApiUnavailable:
                dispatcher.utter_message(response="utter_booking_unavailable")
                return {"cancel_confirmed": None}
            return {"cancel_confirmed": status == 200}
        if value is False:
            return {"cancel_confirmed": False}
        dispatcher.utter_message(response="utter_answer_yes_or_no")
        return {"cancel_confirmed": None}


class ActionAskCancelConfirmed(Action):
    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_ask_cancel_confirmed", booking_code=tracker.get_slot("booking_code")
        )
        return []


class ActionManageBookingFinish(Action):
    def name(self) -> str:
        return "action_manage_booking_finish"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        action = tracker.get_slot("booking_action")
        code = tracker.get_slot("booking_code")
        if action is None or code in (None, "unknown"):
            return reset()
        if action == "cancel":
            confirmed = tracker.get_slot("cancel_confirmed")
            dispatcher.utter_message(
                response="utter_booking_cancelled" if confirmed else "utter_booking_kept"
            )
            return reset()
        try:
            booking = await find_booking(tracker, code)
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return reset()
        if booking is None:
            dispatcher.utter_message(response="utter_no_booking")
            return reset()
        return await act_on(action, booking, dispatcher)


class ActionDeleteMyData(Action):
    """Asks first; the "yes, delete everything" button carries the confirmation."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if next(tracker.get_latest_entity_values("confirm_delete"), None) != "yes":
            dispatcher.utter_message(response="utter_ask_delete_data")
            return []
        try:
            await api.call(
                "POST", "/internal/intake/forget", json={"conversation_id": tracker.sender_id}
            )
        except ApiUnavailable:
            dispatcher.utter_message(response="utter_booking_unavailable")
            return []
        dispatcher.utter_message(response="utter_data_deleted")
        return reset()
