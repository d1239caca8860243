"""The custom Rasa parts (bot/components.py, bot/nlg.py, bot/serve.py), in the bot environment."""

import json

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

import bot.serve  # noqa: F401  (installs the fixes)
from bot.components import NormalisingTokenizer, normalise
from bot.nlg import ApiNaturalLanguageGenerator
from tests.support.loopback import JsonHandler, LoopbackServer


@pytest.mark.parametrize(
    ("typed", "same_as"),
    [
        ("مشكلة", "مشکله"),  # Arabic kaf and ta marbuta, Persian keheh and heh
        ("ميخواهم", "میخواهم"),  # Arabic and Persian yeh
        ("أريد", "اريد"),  # hamza on alif, or not
        ("مــوعد", "موعد"),  # tatweel
        ("٣٤", "34"),  # Arabic-Indic digits
        ("۳۴", "34"),  # Persian digits
        ("wizytę", "wizyte"),
        ("Złożyć", "zlozyc"),
        ("şêwr", "sewr"),  # Kurmanji without ş ê
        ("Kündigung", "kundigung"),
        ("hiiiilfe", "hiilfe"),  # stretched letters: at most two
    ],
)
def test_every_spelling_of_a_word_becomes_one(typed, same_as):
    assert normalise(typed) == normalise(same_as)


def test_turkish_dotless_i_stays_so_yes_is_not_hello():
    assert normalise("hı hı") != normalise("hi hi")


def test_tokens_keep_what_was_typed_and_carry_the_normalised_lemma():
    tokenizer = NormalisingTokenizer(NormalisingTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": "Termin ABSAGEN bitteee"}), "text")
    assert [t.text for t in tokens] == ["Termin", "ABSAGEN", "bitteee"]
    assert [t.lemma for t in tokens] == ["termin", "absagen", "bittee"]


def test_a_malformed_action_server_answer_is_still_refused():
    action = RemoteAction("action_faq", None)
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "x", "value": "y"}]}
    )
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})


def test_a_malformed_nlg_answer_is_still_refused():
    assert CallbackNaturalLanguageGenerator.validate_response({"text": "Hallo"})
    with pytest.raises(RasaException):
        CallbackNaturalLanguageGenerator.validate_response({"text": 42})


def test_every_event_name_finds_the_class_rasa_itself_finds():
    for cls in all_subclasses(Event):
        expected = next(c for c in all_subclasses(Event) if c.type_name == cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is expected
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    with pytest.raises(ValueError):
        Event.resolve_by_type("no such event")


def nlg_endpoint(answer: object, received: list) -> LoopbackServer:
    """An NLG endpoint of our own on loopback: records each request, gives `answer`."""

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.reply_json(200, answer)

    return LoopbackServer(Handler)


async def test_the_api_gets_what_it_renders_from_and_its_answer_comes_back():
    received: list = []
    server = nlg_endpoint({"text": "مرحبا", "buttons": []}, received)
    try:
        generator = ApiNaturalLanguageGenerator(EndpointConfig(f"{server.url}/nlg"))
        tracker = DialogueStateTracker.from_events(
            "conversation-1",
            [
                UserUttered("/greet", metadata={"language": "ar"}),
                SlotSet("booking_municipality", "brakel"),
            ],
            slots=[AnySlot("booking_municipality", mappings=[{"type": "custom"}])],
        )
        answer = await generator.generate("utter_greet", tracker, "rest", topic="x")
    finally:
        server.stop()
    assert answer == {"text": "مرحبا", "buttons": []}
    assert received == [
        {
            "response": "utter_greet",
            "arguments": {"topic": "x"},
            "tracker": {
                "sender_id": "conversation-1",
                "slots": {"booking_municipality": "brakel"},
                "events": [{"event": "user", "metadata": {"language": "ar"}}],
            },
            "channel": {"name": "rest"},
        }
    ]


async def test_a_malformed_answer_of_the_api_is_refused():
    server = nlg_endpoint({"text": ["not", "a", "text"]}, [])
    try:
        generator = ApiNaturalLanguageGenerator(EndpointConfig(f"{server.url}/nlg"))
        with pytest.raises(RasaException):
            await generator.generate("utter_greet", DialogueStateTracker("c", []), "rest")
    finally:
        server.stop()
