"""Client of Rasa's REST channel; Rasa listens on the internal network only.

With several Rasa processes, a conversation always goes to the same one: Rasa keeps its
tracker in memory, so affinity replaces a shared tracker store and lock store.
"""

import hashlib
from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer: not started yet, restarting, or overloaded."""


class RasaClient:
    def __init__(self, base_urls: list[str], timeout_seconds: float) -> None:
        self._clients = [
            httpx.AsyncClient(
                base_url=url,
                timeout=httpx.Timeout(timeout_seconds, connect=3.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            )
            for url in base_urls
        ]

    def _client_for(self, conversation_id: str) -> httpx.AsyncClient:
        digest = hashlib.sha256(conversation_id.encode()).digest()
        return self._clients[int.from_bytes(digest[:8], "big") % len(self._clients)]

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        try:
            response = await self._client_for(conversation_id).post(
                "/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise RasaUnavailable(str(error)) from error
        return [
            {
                "text": message.get("text") or "",
                "buttons": [
                    {"title": b.get("title", ""), "payload": b.get("payload", "")}
                    for b in message.get("buttons") or []
                ],
            }
            for message in response.json()
            if message.get("text") or message.get("buttons")
        ]

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
