"""Several Rasa processes: each conversation always reaches the same one (its tracker is there)."""

import asyncio
import json

import pytest

from api.rasa import RasaClient
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
