"""Several Rasa processes: each conversation always reaches the same one (its tracker is there)."""

import asyncio
import json
import threading
import time

import pytest

from api.rasa import RasaClient, RasaUnavailable
from tests.support.loopback import JsonHandler, LoopbackServer


class FakeRasa(LoopbackServer):
    """Answers Rasa's REST webhook with its own name, and remembers who wrote."""

    def __init__(self, name: str) -> None:
        self.name, self.senders = name, []
        super().__init__(_Handler)


class _Handler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: FakeRasa = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        server.senders.append(body["sender"])
        self.reply_json(200, [{"text": server.name}])


@pytest.fixture
def two_rasas():
    servers = [FakeRasa("rasa-a"), FakeRasa("rasa-b")]
    yield servers
    for server in servers:
        server.stop()


def test_a_conversation_stays_with_one_rasa_and_the_load_is_shared(two_rasas):
    async def run() -> dict[str, set[str]]:
        client = RasaClient([server.url for server in two_rasas], timeout_seconds=5)
        answered: dict[str, set[str]] = {}
        for number in range(40):
            conversation = f"conversation-{number}"  # fixed ids: the same split every run
            for text in ("hallo", "/faq_housing", "danke"):
                [message] = await client.send(conversation, text, {})
                answered.setdefault(conversation, set()).add(message["text"])
        await client.aclose()
        return answered

    answered = asyncio.run(run())
    assert all(len(names) == 1 for names in answered.values())
    counts = [len(server.senders) for server in two_rasas]
    assert sum(counts) == 120 and min(counts) >= 30  # 40 conversations, both get a share


class SlowRasa(LoopbackServer):
    """Takes `seconds` per message and counts how many it has at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.now, self.most, self.texts = seconds, 0, 0, []
        self.count = threading.Lock()
        super().__init__(_SlowHandler)


class _SlowHandler(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        server: SlowRasa = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        with server.count:
            server.now += 1
            server.most = max(server.most, server.now)
            server.texts.append(body["message"])
        time.sleep(server.seconds)
        with server.count:
            server.now -= 1
        self.reply_json(200, [{"text": f"answer to {body['message']}"}])


@pytest.fixture
def slow_rasa():
    server = SlowRasa(seconds=0.1)
    yield server
    server.stop()


def test_messages_wait_in_line_for_a_busy_rasa_and_each_gets_its_answer(slow_rasa):
    """Rasa gets at most `max_in_flight` messages at once, in the order they came."""

    async def run() -> list[str]:
        client = RasaClient([slow_rasa.url], timeout_seconds=10, max_in_flight=2)
        answers = await asyncio.gather(
            *(client.send(f"conversation-{n}", f"message {n}", {}) for n in range(8))
        )
        await client.aclose()
        return [message["text"] for [message] in answers]

    assert asyncio.run(run()) == [f"answer to message {n}" for n in range(8)]
    assert slow_rasa.most == 2
    # Two at a time, so Rasa sees each pair before any later message.
    pairs = [set(slow_rasa.texts[i : i + 2]) for i in range(0, 8, 2)]
    assert pairs == [{f"message {n}", f"message {n + 1}"} for n in range(0, 8, 2)]


def test_the_time_in_line_counts_towards_the_timeout(slow_rasa):
    """A resident behind a stuck message hears "try again" after the timeout, not later."""
    slow_rasa.seconds = 1.0

    async def run() -> tuple[list[object], float]:
        client = RasaClient([slow_rasa.url], timeout_seconds=0.5, max_in_flight=1)
        started = time.perf_counter()
        results = await asyncio.gather(
            client.send("conversation-a", "first", {}),
            client.send("conversation-b", "second", {}),
            return_exceptions=True,
        )
        elapsed = time.perf_counter() - started
        await client.aclose()
        return results, elapsed

    results, elapsed = asyncio.run(run())
    assert all(isinstance(result, RasaUnavailable) for result in results)
    assert slow_rasa.texts == ["first"]  # the second never reached Rasa
    assert elapsed < 0.9
