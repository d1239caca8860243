"""The NLG endpoint client Rasa uses (bot/endpoints*.yml `nlg: type:`): the api renders texts.

Rasa's own callback generator posts the whole conversation (every event) with each text it
asks for, serialises it twice (once only for a debug log line) and the api parses it all, for
every bot message. The api renders from three things only: the slots, the conversation id and
the language the api attached to the resident's latest message. This generator sends just
those, in the same request format (api/routes/nlg.py), and checks the answer as Rasa does.

Most texts depend only on the response, its arguments and the language (a question, its
buttons): the api marks those answers with `cache_seconds`, and they are reused for that long
instead of asking the api again (0.6 NLG calls per booking message are left, `make bench-chat`).
"""

import copy
import json
import time
from typing import Any

from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

REQUEST_TIMEOUT_SECONDS = 30
# The api's mark on an answer that may be reused for this many seconds (api/routes/nlg.py).
CACHE_KEY = "cache_seconds"
# Answers kept at most; the oldest go first. Each is one short text in one language.
MAX_CACHED_ANSWERS = 5000


class ApiNaturalLanguageGenerator(CallbackNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig, domain: Domain | None = None) -> None:
        super().__init__(endpoint_config)
        self._cached: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        kwargs.pop("domain_responses", None)
        latest = tracker.latest_message
        language = (latest.metadata or {}).get("language") if latest else None
        key = (utter_action, str(language), output_channel, json.dumps(kwargs, sort_keys=True))
        cached = self._cached.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return copy.deepcopy(cached[1])  # Rasa's utterance takes the dict apart
        body = {
            "response": utter_action,
            "arguments": kwargs,
            "tracker": {
                "sender_id": tracker.sender_id,
                "slots": tracker.current_slot_values(),
                "events": [{"event": "user", "metadata": latest.metadata}] if latest else [],
            },
            "channel": {"name": output_channel},
        }
        response = await self.nlg_endpoint.request(
            method="post", json=body, timeout=REQUEST_TIMEOUT_SECONDS
        )
        if isinstance(response, dict) and self.validate_response(response):
            seconds = response.pop(CACHE_KEY, None)
            if isinstance(seconds, int | float) and seconds > 0 and language is not None:
                self._cached.pop(key, None)
                self._cached[key] = (time.monotonic() + seconds, copy.deepcopy(response))
                while len(self._cached) > MAX_CACHED_ANSWERS:
                    del self._cached[next(iter(self._cached))]
            return response
        raise RasaException("NLG web endpoint returned an invalid response.")
