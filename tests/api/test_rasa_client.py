"""Several Rasa processes: each conversation always reaches the same one (its tracker is there)."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.rasa import RasaClient


class FakeRasa(ThreadingHTTPServer):
    """Answers Rasa's REST webhook with its own name, and remembers who wrote."""

    def __init__(self, name: str) -> None:
        self.name, self.senders = name, []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N805 (the server is `self` above)
                body = json.loads(handler.rfile.read(int(handler.headers["content-length"])))
                self.senders.append(body["sender"])
                answer = json.dumps([{"text": self.name}]).encode()
                handler.send_response(200)
                handler.send_header("content-type", "application/json")
                handler.send_header("content-length", str(len(answer)))
                handler.end_headers()
                handler.wfile.write(answer)

            def log_message(handler, *args) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def two_rasas():
    servers = [FakeRasa("rasa-a"), FakeRasa("rasa-b")]
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


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
