"""`rasa` with speed fixes, each measured with py-spy under `make bench-chat`.

Rasa 3.6 spends CPU on work it repeats for every message:
- it checks each answer of the action server and of the NLG endpoint with `jsonschema.validate`,
  which first re-checks the (constant) schema against the JSON-Schema meta-schema, then tries
  every one of the 23 event schemas on every returned event: here the validators are built
  once and an event is checked against the schema of its own type. Answers are still checked,
  and refused with Rasa's own messages;
- it finds the class of every stored event by walking all subclasses of `Event` (several times
  per message, for every event of the conversation): here the lookup is a dictionary;
- it sends the action server every event of the conversation, and the whole domain to each
  `validate_*` action: here an action gets the events of the last two turns (all that
  rasa_sdk's forms and our actions read: the slots just extracted, the previous turn's answer)
  and the domain's slots and forms (all that rasa_sdk reads of it). Slots, the latest message
  and the active form are sent whole, as before;
- it opens a new HTTP session, and so a new connection, for every call to the action server
  and the NLG endpoint (about 15 % of its CPU under load): here each endpoint keeps one
  session per event loop. It closes idle connections after KEEP_ALIVE_SECONDS, before the
  servers do (uvicorn and Sanic after 5 s), so requests do not go out on connections a server
  has already closed;
- it runs the whole NLU pipeline on a button's payload (`/inform{"booking_slot": ...}`, half
  the messages of a booking), then throws the result away: the last step, the
  RegexMessageHandler, replaces it with the payload's intent and entities. Here a payload the
  RegexMessageHandler accepts goes to it directly; any other text goes through the pipeline;
- it copies every slot (33 here) with `copy.copy` each time it builds a tracker, about ten
  times per message (for the states of earlier turns, the forms' checks): copy.copy goes
  through the pickle protocol (85 µs per tracker). Here a slot is copied as copy.copy copies
  it, a new object with the same attributes, directly (20 µs);
- it recomputes a conversation's applied events (without reverted ones) from the first event,
  several times per message (for the rule policy's states, the session check): here a tracker
  remembers them and, when events were only added since and no new form appeared, continues
  from where it stopped (Rasa's own loop over the added events);
- in training, it fingerprints every component's inputs and output (the training data
  hashed example by example, sparse matrices printed as text) to keep them in a training
  cache: about a fifth of the training time (py-spy on `rasa train`). The cache only pays
  when a model is retrained from unchanged inputs, and scripts/train_model.py trains only when
  they changed: here nothing is fingerprinted or cached (and `--force` skips Rasa's run that
  fingerprints the whole graph to look for cached parts);
- in training, every merge of training data (Rasa merges file by file, then importer by
  importer) sets every example's intent again, stripped, which drops the example's cached
  fingerprint, so all 36,000 examples were hashed anew to drop duplicates each time: here an
  intent or response is set only when stripping changes it (the same examples, same order).
Usage: the same arguments as `rasa`, e.g. `python -m bot.serve run --port 5005`.
"""

import asyncio
import itertools
import sys
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp
import rasa
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.__main__ import main
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator, nlg_response_format_spec
from rasa.core.processor import MessageProcessor
from rasa.engine.training.hooks import TrainingHook
from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    RESPONSE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.common import all_subclasses
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

# What the action server is sent: the events from the start of this many user turns back.
ACTION_TURNS = 2
# What rasa_sdk reads of the domain (its forms: required slots and slot mappings).
ACTION_DOMAIN_KEYS = ("slots", "forms")
# How long an idle connection to an endpoint stays open: less than the servers' 5 s.
KEEP_ALIVE_SECONDS = 2.0


def _built_once(schema: dict[str, Any]) -> Any:
    return validator_for(schema)(schema)


_answer_spec = RemoteAction.action_response_format_spec()
_action_answer = _built_once(_answer_spec)
_nlg_answer = _built_once(nlg_response_format_spec())
# The answer without its events' `oneOf`, and one validator per event type: the event types'
# schemas differ in the constant `event`, so an event is valid under Rasa's `oneOf` exactly
# when it is valid under the schema of its own type.
_answer_outline = _built_once(
    {**_answer_spec, "properties": {**_answer_spec["properties"], "events": {"type": "array"}}}
)
_event_base = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
_event_by_type = {
    branch["properties"]["event"]["const"]: _built_once({**_event_base, "allOf": [branch]})
    for branch in EVENT_SCHEMA["oneOf"]
}


def _answer_is_valid(result: Any) -> bool:
    if not _answer_outline.is_valid(result):
        return False
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        validator = _event_by_type.get(name) if isinstance(name, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if _answer_is_valid(result):
        return True
    try:  # the whole schema, for Rasa's own error message
        _action_answer.validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
        raise
    return True


def _validate_nlg_response(content: dict[str, Any] | None) -> bool:
    if content is None or content == "":
        return True  # the endpoint chose not to answer
    try:
        _nlg_answer.validate(content)
    except ValidationError as error:
        raise RasaException(
            f"{error.message}. Failed to validate NLG response from API, make sure your "
            "response from the NLG endpoint is valid."
        ) from error
    return True


_original_resolve_by_type = Event.resolve_by_type
_event_classes: dict[str, type[Event]] = {}


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    if not _event_classes:
        for cls in all_subclasses(Event):  # the first class with a name wins, as in Rasa
            _event_classes.setdefault(cls.type_name, cls)
    found = _event_classes.get(type_name)
    return found if found is not None else _original_resolve_by_type(type_name, default)


def _recent_events(tracker: DialogueStateTracker) -> list[Event]:
    events = list(tracker.events)
    turns = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            turns += 1
            if turns == ACTION_TURNS:
                return events[index:]
    return events


_action_domain: tuple[Domain | None, dict[str, Any]] = (None, {})


def _domain_for_actions(domain: Domain) -> dict[str, Any]:
    global _action_domain
    if _action_domain[0] is not domain:  # one domain per loaded model
        whole = domain.as_dict()
        _action_domain = (domain, {key: whole.get(key, {}) for key in ACTION_DOMAIN_KEYS})
    return _action_domain[1]


def _action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in _recent_events(tracker)]
    call = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        call["domain"] = _domain_for_actions(domain)
    return call


def _copy_slot(self: Slot) -> Slot:
    """What `copy.copy` makes of a slot: `cls.__new__(cls)` with the attributes copied over."""
    copied = type(self).__new__(type(self))
    copied.__dict__.update(self.__dict__)
    return copied


_rasa_parse_message_with_graph = MessageProcessor._parse_message_with_graph
_regex_handler_name = RegexMessageHandler().name


def _parse_message_with_graph(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    text = Message({TEXT: message.text or ""})
    unpacked = YAMLStoryReader.unpack_regex_message(text, self.domain, _regex_handler_name)
    if unpacked is text:  # not a payload of a known intent: the NLU pipeline decides
        return _rasa_parse_message_with_graph(self, message, tracker, only_output_properties)
    nothing = {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
    parse_data: dict[str, Any] = {TEXT: "", INTENT: nothing, ENTITIES: []}  # as Rasa starts
    parse_data.update(unpacked.as_dict(only_output_properties=only_output_properties))
    return parse_data


@dataclass
class _Applied:
    """What `applied_events` gave for the first `count` events of a tracker."""

    events: object  # the tracker's deque, by identity
    count: int
    last: Event | None
    loop_names: frozenset[str]
    applied: list[Event]


def _apply(
    tracker: DialogueStateTracker, events: Iterable[Event], loops: frozenset[str], done: list[Event]
) -> list[Event]:
    """The body of Rasa's `DialogueStateTracker.applied_events`, over `events`, onto `done`."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            done = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, done)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, done)
            tracker._undo_till_previous(ActionExecuted, done)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loops
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, done)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, done)
        else:
            done.append(event)
    return done


_rasa_applied_events = DialogueStateTracker.applied_events  # Rasa's own, for comparison in tests


def _applied_events(self: DialogueStateTracker) -> list[Event]:
    events = self.events
    memo: _Applied | None = self.__dict__.get("_applied")
    applied: list[Event] | None = None
    if (
        memo is not None
        and memo.events is events
        and events.maxlen is None  # a capped deque drops events from the start
        and memo.count <= len(events)
        and (memo.count == 0 or events[memo.count - 1] is memo.last)
    ):
        added = list(itertools.islice(events, memo.count, None))
        new_loops = {e.name for e in added if isinstance(e, ActiveLoop) and e.name}
        if new_loops <= memo.loop_names:  # a new form changes how earlier events apply
            loops = memo.loop_names
            applied = _apply(self, added, loops, memo.applied)
    if applied is None:
        loops = frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
        applied = _apply(self, events, loops, [])
    last = events[-1] if events else None
    self.__dict__["_applied"] = _Applied(events, len(events), last, loops, applied)
    return list(applied)  # callers may change what they get


class _KeptSession:
    """Lends a kept-open session to Rasa's `async with endpoint.session()`, which would close it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exception: object) -> None:
        return None


def _kept_session(self: EndpointConfig) -> _KeptSession:
    """The endpoint's session for the running event loop, made as Rasa makes it."""
    loop = asyncio.get_running_loop()
    kept: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None
    kept = getattr(self, "_kept_session", None)
    if kept is None or kept[0] is not loop or kept[1].closed:
        credentials = self.basic_auth
        auth = (
            aiohttp.BasicAuth(credentials["username"], credentials["password"])
            if credentials
            else None
        )
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
        )
        kept = self._kept_session = (loop, session)  # type: ignore[attr-defined]
    return _KeptSession(kept[1])


_rasa_sanitize_examples = TrainingData.sanitize_examples  # Rasa's own, for comparison in tests


def _sanitize_examples(examples: list[Message]) -> list[Message]:
    for example in examples:
        for key in (INTENT, RESPONSE):
            value = example.get(key)
            if value and value.strip() != value:
                example.set(key, value.strip())
    return list(OrderedDict.fromkeys(examples))  # duplicates out, by fingerprint


MessageProcessor._parse_message_with_graph = _parse_message_with_graph  # type: ignore[method-assign]
Slot.__copy__ = _copy_slot  # type: ignore[attr-defined]
RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
CallbackNaturalLanguageGenerator.validate_response = staticmethod(_validate_nlg_response)  # type: ignore[method-assign]
Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
EndpointConfig.session = _kept_session  # type: ignore[method-assign]
DialogueStateTracker.applied_events = _applied_events  # type: ignore[method-assign]
TrainingHook.on_before_node = lambda *args, **kwargs: {}  # type: ignore[method-assign]
TrainingHook.on_after_node = lambda *args, **kwargs: None  # type: ignore[method-assign]
TrainingData.sanitize_examples = staticmethod(_sanitize_examples)  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
