"""The action server's only way to the data: the api's internal endpoints over HTTP.

Actions never import app packages (they run in Rasa's Python); the shared token proves to the
api that the call comes from inside.
"""

import asyncio
import os
from typing import Any

import aiohttp
from rasa_sdk import Tracker

TIMEOUT = aiohttp.ClientTimeout(total=10)
# How long an idle connection to the api stays open: less than uvicorn's 5 s, so a call never
# goes out on a connection the api has already closed.
KEEP_ALIVE_SECONDS = 2.0


class ApiUnavailable(Exception):
    """The api did not answer: the resident is told to try again in a few minutes."""


class ApiClient:
    """Keeps its connections to the api open between calls: a new session, and so a new
    connection, for every call cost the action server and the api CPU on every booking step."""

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or os.environ.get("API_INTERNAL_URL", "")).rstrip("/")
        self.token = token if token is not None else os.environ.get("INTERNAL_TOKEN", "")
        self._kept: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None = None

    def _session(self) -> aiohttp.ClientSession:
        """One per event loop: an aiohttp session belongs to the loop it was made in."""
        loop = asyncio.get_running_loop()
        if self._kept is None or self._kept[0] is not loop or self._kept[1].closed:
            session = aiohttp.ClientSession(
                timeout=TIMEOUT,
                headers={"X-Internal-Token": self.token},
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
            )
            self._kept = (loop, session)
        return self._kept[1]

    async def call(
        self, method: str, path: str, *, params: dict | None = None, json: dict | None = None
    ) -> tuple[int, Any]:
        """Status and JSON body; 4xx answers are results the caller handles, not errors."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            async with self._session().request(
                method, f"{self.base_url}{path}", params=params, json=json
            ) as response:
                body = await response.json() if response.content_length != 0 else None
                if response.status >= 500:
                    raise ApiUnavailable(f"{path}: {response.status}")
                return response.status, body
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ApiUnavailable(str(error)) from error

    async def aclose(self) -> None:
        if self._kept is not None:
            await self._kept[1].close()


api = ApiClient()


async def release_hold(tracker: Tracker) -> None:
    """Lets go of the conversation's held slot, if there is one."""
    hold = tracker.get_slot("booking_hold")
    if hold:
        await api.call("POST", "/internal/booking/release", json={"hold_token": hold["hold_token"]})
