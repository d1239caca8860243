"""The custom Rasa parts (bot/components.py, bot/nlg.py, bot/serve.py), in the bot environment."""

import ast
import asyncio
import copy
import json
import os
import random
import secrets
import threading
import warnings
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import SQLTrackerStore
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import AnySlot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from sklearn.exceptions import ConvergenceWarning
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import bot.nlg
import bot.serve  # installs the fixes
from bot.components import (
    CODE_ALPHABET,
    LogisticRegressionIntentClassifier,
    NormalisingTokenizer,
    normalise,
)
from bot.nlg import ApiNaturalLanguageGenerator
from bot.tracker_store import CachedSQLTrackerStore, LiveInMemoryTrackerStore
from tests.support.loopback import JsonHandler, LoopbackServer

MODELS = Path(__file__).parents[2] / "bot" / "models"


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


def lemmas(text: str) -> list[str]:
    tokenizer = NormalisingTokenizer(NormalisingTokenizer.get_default_config())
    return [token.lemma for token in tokenizer.tokenize(Message(data={"text": text}), "text")]


def test_every_booking_code_reads_the_same_so_the_intent_cannot_depend_on_it():
    """The featurizers see only lemmas: one lemma for every code means one intent for all."""
    for _ in range(50):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        assert lemmas(f"موعدي {code[:4]}-{code[4:]}".lower()) == ["موعدي", "code"]
        assert lemmas(f"Termin {code[:4]}-{code[4:]} absagen") == ["termin", "code", "absagen"]
    assert lemmas("my code is k7qm 4xpy") == ["my", "code", "is", "code", "code"]
    assert lemmas("K7QM4XPY") == ["code"]


def test_words_that_only_look_like_codes_keep_their_own_lemma():
    # 8 letters of the code alphabet without a digit or dash, and Arabizi outside the alphabet.
    assert lemmas("la revedere cheghadr") == ["la", "revedere", "cheghadr"]
    assert lemmas("kann dann mosa3ade bade 7ada") == ["kann", "dann", "mosa3ade", "bade", "7ada"]


def test_the_code_alphabet_is_the_one_bookings_are_made_with():
    bookings = ast.parse((Path(__file__).parents[2] / "scheduler" / "bookings.py").read_text())
    assigned = {
        node.targets[0].id: node.value.value
        for node in bookings.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
    }
    assert assigned["CODE_ALPHABET"] == CODE_ALPHABET


def featurised(tmp_path: Path, texts: list[str]) -> list[Message]:
    """Messages through the shipped tokenizer and both count featurizers, as in training."""
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    messages = [Message(data={"text": text, "intent": "greet"}) for text in texts]
    data = TrainingData(messages)
    NormalisingTokenizer(NormalisingTokenizer.get_default_config()).process_training_data(data)
    words, chars = {}, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5}
    for index, extra in enumerate((words, chars)):
        config = {**CountVectorsFeaturizer.get_default_config(), **extra}
        resource = Resource(f"featurizer{index}")
        featurizer = CountVectorsFeaturizer.create(config, storage, resource, context)
        featurizer.train(data)
        featurizer.process_training_data(data)
    return messages


def test_the_classifier_reads_the_same_features_as_rasas_own(tmp_path):
    texts = ["hallo", "ich brauche einen Termin", "موعد جديد", "termin k7qm-4xpy", "merhaba"]
    messages = featurised(tmp_path, texts)
    config = LogisticRegressionClassifier.get_default_config()
    ours = LogisticRegressionIntentClassifier(config, "ours", None, None)
    rasas = LogisticRegressionClassifier(config, "rasa", None, None)
    for batch in (messages, messages[3:4]):  # training, and one message as when chatting
        expected = rasas._create_X(batch)
        got = ours._create_X(batch)
        assert got.shape == expected.shape == (len(batch), expected.shape[1])
        assert (got != expected).nnz == 0


def test_training_stopped_early_on_purpose_prints_no_solver_warning(tmp_path):
    """bot/config.yml caps the solver's iterations; `make run` should not look broken."""
    texts = ["hallo", "hi du", "termin bitte", "ich brauche einen termin"]
    messages = featurised(tmp_path, texts)
    for message, intent in zip(messages, ["greet", "greet", "book", "book"], strict=True):
        message.set("intent", intent)
    config = {**LogisticRegressionClassifier.get_default_config(), "max_iter": 1}
    classifier = LogisticRegressionIntentClassifier.create(
        config,
        LocalModelStorage(tmp_path),
        Resource("classifier"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        classifier.train(TrainingData(messages))
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert classifier.process(messages[:1])[0].get("intent")["name"] in ("greet", "book")


def test_a_malformed_action_server_answer_is_still_refused():
    action = RemoteAction("action_faq", None)
    assert action._validate_action_result(
        {"events": [{"event": "slot", "name": "x", "value": "y"}]}
    )
    assert action._validate_action_result(
        {
            "events": [
                {"event": "slot", "name": "booking_slot", "value": None, "timestamp": None},
                {"event": "active_loop", "name": "booking_form"},
                {"event": "followup", "name": "booking_form"},
                {"event": "bot", "text": "Hallo", "metadata": {}},
            ],
            "responses": [{"response": "utter_greet"}],
        }
    )
    for malformed in (
        {"events": "not a list"},
        {"events": [{"event": "no such event"}]},  # not one of Rasa's event types
        {"events": [{"name": "booking_slot", "value": 1}]},  # no type at all
        {"events": [{"event": "slot", "name": 42, "value": 1}]},  # a slot's name is a text
        {"events": [{"event": "slot", "name": "x", "timestamp": "today"}]},
        {"events": [{"event": ["slot"]}]},
        {"events": ["slot"]},
        {"events": [], "responses": ["not an object"]},
    ):
        with pytest.raises(ValidationError):
            action._validate_action_result(malformed)


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


def resident_writing(language: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        f"resident-{language}", [UserUttered("hallo", metadata={"language": language})]
    )


async def test_an_answer_the_api_marks_as_reusable_is_reused_in_its_language_only(monkeypatch):
    received: list = []
    server = nlg_endpoint({"text": "Mit wem leben Sie hier?", "cache_seconds": 60}, received)
    now = [1000.0]
    monkeypatch.setattr(bot.nlg.time, "monotonic", lambda: now[0])
    try:
        generator = ApiNaturalLanguageGenerator(EndpointConfig(f"{server.url}/nlg"))
        german, arabic = resident_writing("de"), resident_writing("ar")
        first = await generator.generate("utter_ask_screen_household", german, "rest")
        first["text"] = "changed by Rasa"  # Rasa takes the answer apart
        again = await generator.generate("utter_ask_screen_household", german, "rest")
        assert len(received) == 1
        assert again == {"text": "Mit wem leben Sie hier?"}  # the mark stays between us
        await generator.generate("utter_ask_screen_household", arabic, "rest")
        await generator.generate("utter_ask_screen_household", german, "rest", topic="x")
        assert len(received) == 3  # another language, other arguments: asked again
        now[0] += 61
        await generator.generate("utter_ask_screen_household", german, "rest")
        assert len(received) == 4  # expired
    finally:
        server.stop()


async def test_an_answer_without_the_mark_is_asked_for_every_time():
    received: list = []
    server = nlg_endpoint({"text": "Freie Termine:", "buttons": []}, received)
    try:
        generator = ApiNaturalLanguageGenerator(EndpointConfig(f"{server.url}/nlg"))
        for _ in range(2):
            await generator.generate("utter_ask_booking_slot", resident_writing("de"), "rest")
        assert len(received) == 2
    finally:
        server.stop()


async def test_a_malformed_answer_of_the_api_is_refused():
    server = nlg_endpoint({"text": ["not", "a", "text"]}, [])
    try:
        generator = ApiNaturalLanguageGenerator(EndpointConfig(f"{server.url}/nlg"))
        with pytest.raises(RasaException):
            await generator.generate("utter_greet", DialogueStateTracker("c", []), "rest")
    finally:
        server.stop()


DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "inform"],
        "slots": {
            "booking_municipality": {"type": "text", "mappings": [{"type": "from_text"}]},
            "language": {"type": "text", "mappings": [{"type": "custom"}]},
        },
        "forms": {"booking_form": {"required_slots": ["booking_municipality"]}},
        "responses": {"utter_greet": [{"text": "Hallo"}]},
        "actions": ["action_faq", "validate_booking_form"],
    }
)


def three_turns() -> DialogueStateTracker:
    """Greeting, a question answered by the bot, then a town typed into the booking form."""
    return DialogueStateTracker.from_events(
        "conversation-1",
        [
            SessionStarted(),
            SlotSet("language", "de"),
            ActionExecuted("action_listen"),
            UserUttered("hallo", {"name": "greet"}),
            ActionExecuted("utter_greet"),
            BotUttered("Hallo"),
            ActionExecuted("action_listen"),
            UserUttered("termin", {"name": "book_appointment"}),
            ActionExecuted("booking_form"),
            ActiveLoop("booking_form"),
            BotUttered("In welchem Ort?"),
            ActionExecuted("action_listen"),
            UserUttered("Brakel", {"name": "inform"}),
            SlotSet("booking_municipality", "Brakel"),
        ],
        slots=DOMAIN.slots,
    )


def action_call(name: str) -> dict:
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook", enable_selective_domain=True)
    return RemoteAction(name, endpoint)._action_call_format(three_turns(), DOMAIN)


def test_an_action_gets_the_last_two_turns_and_the_whole_state():
    tracker = action_call("validate_booking_form")["tracker"]
    assert [e["event"] for e in tracker["events"]] == [
        "user", "action", "active_loop", "bot", "action", "user", "slot",
    ]  # fmt: skip
    assert tracker["events"][0]["text"] == "termin"
    # What the forms read: the slots just extracted, at the end of the events ...
    assert tracker["events"][-1] == {
        "event": "slot", "timestamp": tracker["events"][-1]["timestamp"],
        "name": "booking_municipality", "value": "Brakel",
    }  # fmt: skip
    # ... and the whole state of the conversation, not only of these turns.
    assert tracker["slots"]["language"] == "de"
    assert tracker["latest_message"]["text"] == "Brakel"
    assert tracker["active_loop"]["name"] == "booking_form"
    assert tracker["latest_action_name"] == "action_listen"


def test_the_domain_goes_to_validation_actions_only_with_what_forms_read():
    assert "domain" not in action_call("action_faq")
    domain = action_call("validate_booking_form")["domain"]
    assert set(domain) == {"slots", "forms"}
    assert domain["forms"] == {"booking_form": {"required_slots": ["booking_municipality"]}}
    assert domain["slots"]["booking_municipality"]["mappings"] == [{"type": "from_text"}]


async def test_the_in_memory_store_gives_back_the_conversation_it_kept():
    store = LiveInMemoryTrackerStore(DOMAIN)
    assert await store.retrieve("conversation-1") is None
    saved = three_turns()
    await store.save(saved)
    restored = await store.retrieve("conversation-1")
    assert restored.current_state(EventVerbosity.ALL) == saved.current_state(EventVerbosity.ALL)
    assert restored.get_slot("booking_municipality") == "Brakel"
    assert restored.active_loop_name == "booking_form"
    assert list(await store.keys()) == ["conversation-1"]


async def test_a_restored_conversation_changes_only_when_it_is_saved():
    store = LiveInMemoryTrackerStore(DOMAIN)
    await store.save(three_turns())
    first = await store.retrieve("conversation-1")
    first.update(SlotSet("booking_municipality", "Höxter"))
    second = await store.retrieve("conversation-1")
    assert second.get_slot("booking_municipality") == "Brakel"
    assert len(second.events) == len(three_turns().events)
    await store.save(first)
    third = await store.retrieve("conversation-1")
    assert third.get_slot("booking_municipality") == "Höxter"


async def test_only_the_latest_session_is_restored_as_rasa_does():
    store = LiveInMemoryTrackerStore(DOMAIN)
    tracker = three_turns()
    for event in (
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("language", "ar"),
    ):
        tracker.update(event)
    await store.save(tracker)
    restored = await store.retrieve("conversation-1")
    assert [e.type_name for e in restored.events][:2] == ["action", "session_started"]
    assert restored.get_slot("language") == "ar"
    assert len((await store.retrieve_full_tracker("conversation-1")).events) == len(tracker.events)


POSTGRES_URL = os.environ.get("KIM_TEST_POSTGRES_URL", "")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not POSTGRES_URL, reason="KIM_TEST_POSTGRES_URL is not set"),
        ),
    ]
)
def sql_stores(request, tmp_path):
    """Two cached stores (two Rasa processes) and Rasa's own store, on one database: SQLite,
    and PostgreSQL as in production where .ci/run names one."""
    if request.param == "sqlite":
        database = {"dialect": "sqlite", "db": str(tmp_path / "trackers.db")}
    else:
        server = make_url(POSTGRES_URL)
        database = {
            "dialect": "postgresql", "host": server.host, "port": server.port,
            "username": server.username, "password": server.password,
            "login_db": server.database, "db": f"kim_trackers_{secrets.token_hex(4)}",
        }  # fmt: skip
    stores = (
        CachedSQLTrackerStore(DOMAIN, **database),
        CachedSQLTrackerStore(DOMAIN, **database),
        SQLTrackerStore(DOMAIN, **database),
    )
    yield stores
    if request.param == "postgresql":
        for store in stores:
            store.engine.dispose()
            if isinstance(store, CachedSQLTrackerStore):
                store.statements.dispose()
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database["db"]}"'))
        admin.dispose()


def state(tracker: DialogueStateTracker | None) -> dict | None:
    return tracker.current_state(EventVerbosity.ALL) if tracker else None


async def test_the_sql_store_gives_back_what_rasas_own_store_reads(sql_stores):
    cached, _, rasas = sql_stores
    assert await cached.retrieve("conversation-1") is None
    tracker = three_turns()
    await cached.save(tracker)
    assert state(await cached.retrieve("conversation-1")) == state(tracker)
    restored = await cached.retrieve("conversation-1")
    restored.update(ActionExecuted("action_listen"))
    restored.update(UserUttered("Höxter", {"name": "inform"}))
    await cached.save(restored)
    again = await cached.retrieve("conversation-1")
    assert state(again) == state(await rasas.retrieve("conversation-1")) == state(restored)
    assert again.latest_message.text == "Höxter"


async def test_rows_another_process_wrote_are_read_too(sql_stores):
    first, second, rasas = sql_stores
    await first.save(three_turns())
    await first.retrieve("conversation-1")  # first keeps the conversation
    tracker = await second.retrieve("conversation-1")
    tracker.update(SlotSet("booking_municipality", "Höxter"))
    await second.save(tracker)
    restored = await first.retrieve("conversation-1")
    assert restored.get_slot("booking_municipality") == "Höxter"
    assert state(restored) == state(await rasas.retrieve("conversation-1"))


async def test_a_save_without_a_read_first_counts_the_rows_as_rasa_does(tmp_path):
    """Only a read during the same message tells the store how many rows there are."""

    async def two_processes(store_class: type) -> list[tuple]:
        database = {"dialect": "sqlite", "db": str(tmp_path / f"{store_class.__name__}.db")}
        first, second = store_class(DOMAIN, **database), store_class(DOMAIN, **database)
        await first.save(three_turns())
        mine = await first.retrieve("conversation-1")
        mine.update(ActionExecuted("action_listen"))
        await first.save(mine)  # first keeps what it saved
        theirs = await second.retrieve("conversation-1")
        theirs.update(SlotSet("booking_municipality", "Höxter"))
        await second.save(theirs)
        mine.update(SlotSet("booking_municipality", "Brakel"))
        await first.save(mine)  # without reading what second wrote
        stored = await SQLTrackerStore(DOMAIN, **database).retrieve("conversation-1")
        events = stored.current_state(EventVerbosity.ALL)["events"]
        return [(e["event"], e.get("name"), e.get("value"), e.get("text")) for e in events]

    assert await two_processes(CachedSQLTrackerStore) == await two_processes(SQLTrackerStore)


async def test_a_new_session_is_read_from_its_start_as_rasa_does(sql_stores):
    cached, _, rasas = sql_stores
    await cached.save(three_turns())
    tracker = await cached.retrieve("conversation-1")
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(SlotSet("language", "ar"))
    await cached.save(tracker)
    restored = await cached.retrieve("conversation-1")
    assert restored.events[0].type_name == "session_started"
    assert restored.get_slot("language") == "ar"
    assert state(restored) == state(await rasas.retrieve("conversation-1"))
    full = await cached.retrieve_full_tracker("conversation-1")
    assert len(full.events) == len(tracker.events)


@pytest.mark.skipif(not POSTGRES_URL, reason="KIM_TEST_POSTGRES_URL is not set")
@pytest.mark.parametrize("sql_stores", ["postgresql"], indirect=True)
async def test_a_conversation_waiting_for_the_database_does_not_stop_the_others(sql_stores):
    """Rasa calls the store from its event loop: a save that waits (here for a lock, in
    production for the disk) must not hold up the other conversations of the process."""
    cached, other_process, _ = sql_stores
    await cached.save(three_turns())
    tracker = await cached.retrieve("conversation-1")
    tracker.update(ActionExecuted("action_listen"))
    finished = []
    blocker = other_process.engine.connect()
    transaction = blocker.begin()
    blocker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))  # writes wait, reads do not
    release = threading.Timer(3, transaction.commit)
    release.start()
    try:

        async def save() -> None:
            await cached.save(tracker)
            finished.append("save")

        async def another_conversation() -> None:
            assert await cached.retrieve("conversation-2") is None
            finished.append("another conversation")

        await asyncio.gather(save(), another_conversation())
    finally:
        release.join()
        blocker.close()
    assert finished == ["another conversation", "save"]
    assert state(await other_process.retrieve("conversation-1")) == state(tracker)


def random_event(rng: random.Random) -> Event:
    """Events of conversations with two forms, with Rasa's undo and restart events mixed in."""
    form = rng.choice(["booking_form", "intake_form"])
    return rng.choices(
        [
            lambda: UserUttered("hallo", {"name": "greet"}),
            lambda: ActionExecuted("action_listen"),
            lambda: ActionExecuted(rng.choice(["utter_greet", "action_book", form])),
            lambda: ActiveLoop(form),
            lambda: ActiveLoop(None),
            lambda: ActionExecutionRejected(form),
            lambda: SlotSet("town", "Brakel"),
            lambda: ActionReverted(),
            lambda: UserUtteranceReverted(),
            lambda: Restarted(),
            lambda: SessionStarted(),
        ],
        weights=[8, 8, 12, 2, 1, 1, 4, 1, 1, 0.3, 0.3],
    )[0]()


def test_remembered_applied_events_are_what_rasa_computes_after_every_new_event():
    for seed in range(40):
        rng = random.Random(seed)
        tracker = DialogueStateTracker("resident", [AnySlot("town", mappings=[])])
        for _ in range(150):
            tracker.update(random_event(rng))
            if rng.random() < 0.5:  # also let events pile up between two reads
                expected = bot.serve._rasa_applied_events(tracker)
                assert tracker.applied_events() == expected, f"seed {seed}"
        assert tracker.applied_events() == bot.serve._rasa_applied_events(tracker)


@pytest.fixture(scope="module")
def trained_processor() -> MessageProcessor:
    """The model `make model` trained (make test trains it before these tests run)."""
    models = sorted(MODELS.glob("kim-*.tar.gz"), key=lambda path: path.stat().st_mtime)
    if not models:
        pytest.fail("no trained model in bot/models: run `make model` first")
    return Agent.load(str(models[-1])).processor


@pytest.mark.parametrize(
    "text",
    [
        "/affirm",
        " /deny ",
        '/inform{"booking_municipality": "brakel"}',
        '/inform{"booking_slot": "7-2026-11-23T09:00"}',
        "/affirm@0.4",
        "/greet{not json",  # a known intent with broken entities
        "/no_such_intent",  # unknown: the NLU pipeline decides, as in Rasa
        "/",
        "/ ",
        "Ich brauche einen Termin",
        "hallo /affirm",
    ],
)
def test_a_button_payload_is_parsed_as_rasas_pipeline_parses_it(trained_processor, text):
    tracker = DialogueStateTracker("resident", [])
    message = UserMessage(text, sender_id="resident", metadata={"language": "de"})
    ours = trained_processor._parse_message_with_graph(message, tracker)
    rasas = bot.serve._rasa_parse_message_with_graph(trained_processor, message, tracker)
    assert ours == rasas


def test_training_examples_are_cleaned_as_rasa_cleans_them_and_keep_their_fingerprint():
    def examples() -> list[Message]:
        texts = [("hallo", "greet "), ("hallo", "greet"), ("termin", "book_appointment")]
        made = [Message(data={"text": text, "intent": intent}) for text, intent in texts]
        made.append(Message(data={"text": "was ist kim", "response": " faq "}))
        return made

    ours, rasas = examples(), examples()
    hashed = ours[2].fingerprint()
    cleaned = TrainingData.sanitize_examples(ours)
    expected = bot.serve._rasa_sanitize_examples(rasas)
    assert [m.data for m in cleaned] == [m.data for m in expected]
    assert [m.data["text"] for m in cleaned] == ["hallo", "termin", "was ist kim"]
    assert cleaned[1].fingerprint() is hashed  # nothing to strip: not hashed again


def test_a_copied_slot_is_what_copy_copy_made_and_changes_apart_from_the_original():
    domain = Domain.load(str(Path(__file__).parents[2] / "bot" / "domain.yml"))
    assert domain.slots
    for slot in domain.slots:
        slot.value = ["a list"] if slot.type_name == "list" else slot.initial_value
        ours = copy.copy(slot)
        rasas = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # the pickle protocol
        assert type(ours) is type(rasas) is type(slot)
        assert ours is not slot
        assert vars(ours) == vars(rasas) == vars(slot)
        ours.value = "changed"
        assert slot.value != "changed"
