"""Client of Rasa's REST channel; Rasa listens on the internal network only."""

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer: not started yet, restarting, or overloaded."""


class RasaClient:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout_seconds, connect=3.0),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        try:
            response = await self._client.post(
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
        await self._client.aclose()
