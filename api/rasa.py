"""Client of Rasa's REST channel; Rasa listens on the internal network only.

With several Rasa processes, a conversation always goes to the same one: Rasa keeps its
tracker in memory, so affinity replaces a shared tracker store and lock store.

aiohttp, not httpx: every message passes here, and httpx's connection pool (a readability
check of the socket and anyio bookkeeping on every request) took a third of the api's
event-loop time under load (py-spy, `make bench-chat`).

At most `max_in_flight` messages are at one Rasa process at a time; the others wait here, in
the order they came. Rasa works on every message it has at once, so with 20 residents each
message took as long as all of them together, and a booking step (two calls to the action
server, each calling the api) took longest. Waiting in line instead, a message is answered
soon after its turn comes (`make bench-chat`: p95 and throughput in README).
"""

import asyncio
import hashlib
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import aiohttp

# Idle connections close before Rasa's server (Sanic) closes them after 5 s, so a request
# never goes out on a connection the server has already closed.
KEEP_ALIVE_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 3.0
MAX_CONNECTIONS = 100


class RasaUnavailable(Exception):
    """Rasa did not answer: not started yet, restarting, or overloaded."""


class RasaClient:
    def __init__(
        self, base_urls: list[str], timeout_seconds: float, max_in_flight: int = 0
    ) -> None:
        """`max_in_flight` 0: no line, every message goes to Rasa at once."""
        self._base_urls = [url.rstrip("/") for url in base_urls]
        self._timeout_seconds = timeout_seconds
        self._timeout = aiohttp.ClientTimeout(connect=CONNECT_TIMEOUT_SECONDS)
        self._session: aiohttp.ClientSession | None = None
        self._lines = {
            url: asyncio.Semaphore(max_in_flight) for url in self._base_urls if max_in_flight
        }

    def _session_for_this_loop(self) -> aiohttp.ClientSession:
        """Made on first use: an aiohttp session belongs to the event loop it was made in."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(
                    limit=MAX_CONNECTIONS, keepalive_timeout=KEEP_ALIVE_SECONDS
                ),
            )
        return self._session

    def _url_for(self, conversation_id: str) -> str:
        digest = hashlib.sha256(conversation_id.encode()).digest()
        return self._base_urls[int.from_bytes(digest[:8], "big") % len(self._base_urls)]

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        base_url = self._url_for(conversation_id)
        body = {"sender": conversation_id, "message": text, "metadata": metadata}
        try:
            # The time in line counts: the resident waits either way.
            async with (
                asyncio.timeout(self._timeout_seconds),
                self._turn(base_url),
                self._session_for_this_loop().post(
                    f"{base_url}/webhooks/rest/webhook", json=body
                ) as response,
            ):
                response.raise_for_status()
                answer = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        if not isinstance(answer, list):
            raise RasaUnavailable(f"unexpected answer: {str(answer)[:200]}")
        return [
            {
                "text": message.get("text") or "",
                "buttons": [
                    {"title": b.get("title", ""), "payload": b.get("payload", "")}
                    for b in message.get("buttons") or []
                ],
            }
            for message in answer
            if message.get("text") or message.get("buttons")
        ]

    def _turn(self, base_url: str) -> AbstractAsyncContextManager[Any]:
        line = self._lines.get(base_url)
        return line if line is not None else nullcontext()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
