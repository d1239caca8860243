"""`rasa` with three speed fixes, measured with py-spy under `make bench-chat`; behaviour unchanged.

Rasa 3.6 spends CPU on work it repeats for every message:
- it checks each answer of the action server and of the NLG endpoint with `jsonschema.validate`,
  which first re-checks the (constant) schema against the JSON-Schema meta-schema: here the
  validators are built once. Answers are still checked, and refused with Rasa's own messages;
- it finds the class of every stored event by walking all subclasses of `Event` (several times
  per message, for every event of the conversation): here the lookup is a dictionary.
Together that was about a quarter of Rasa's CPU time in the booking flow.
Usage: the same arguments as `rasa`, e.g. `python -m bot.serve run --port 5005`.
"""

import sys
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.__main__ import main
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator, nlg_response_format_spec
from rasa.shared.core.events import Event
from rasa.shared.exceptions import RasaException
from rasa.shared.utils.common import all_subclasses


def _built_once(schema: dict[str, Any]) -> Any:
    return validator_for(schema)(schema)


_action_answer = _built_once(RemoteAction.action_response_format_spec())
_nlg_answer = _built_once(nlg_response_format_spec())


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
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


RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
CallbackNaturalLanguageGenerator.validate_response = staticmethod(_validate_nlg_response)  # type: ignore[method-assign]
Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
