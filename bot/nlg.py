"""The NLG endpoint client Rasa uses (bot/endpoints*.yml `nlg: type:`): the api renders texts.

Rasa's own callback generator posts the whole conversation (every event) with each text it
asks for, serialises it twice (once only for a debug log line) and the api parses it all, for
every bot message. The api renders from three things only: the slots, the conversation id and
the language the api attached to the resident's latest message. This generator sends just
those, in the same request format (api/routes/nlg.py), and checks the answer as Rasa does.
"""

from typing import Any

from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

REQUEST_TIMEOUT_SECONDS = 30


class ApiNaturalLanguageGenerator(CallbackNaturalLanguageGenerator):
    def __init__(self, endpoint_config: EndpointConfig, domain: Domain | None = None) -> None:
        super().__init__(endpoint_config)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any]:
        kwargs.pop("domain_responses", None)
        latest = tracker.latest_message
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
            return response
        raise RasaException("NLG web endpoint returned an invalid response.")
