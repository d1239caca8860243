"""The action server's only way to the data: the api's internal endpoints over HTTP.

Actions never import app packages (they run in Rasa's Python); the shared token proves to the
api that the call comes from inside.
"""

import os
from typing import Any

import aiohttp
from rasa_sdk import Tracker

TIMEOUT = aiohttp.ClientTimeout(total=10)


class ApiUnavailable(Exception):
    """The api did not answer: the resident is told to try again in a few minutes."""


class ApiClient:
    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or os.environ.get("API_INTERNAL_URL", "")).rstrip("/")
        self.token = token if token is not None else os.environ.get("INTERNAL_TOKEN", "")

    async def call(
        self, method: str, path: str, *, params: dict | None = None, json: dict | None = None
    ) -> tuple[int, Any]:
        """Status and JSON body; 4xx answers are results the caller handles, not errors."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.request(
                    method,
                    f"{self.base_url}{path}",
                    params=params,
                    json=json,
                    headers={"X-Internal-Token": self.token},
                ) as response,
            ):
                body = await response.json() if response.content_length != 0 else None
                if response.status >= 500:
                    raise ApiUnavailable(f"{path}: {response.status}")
                return response.status, body
        except (aiohttp.ClientError, TimeoutError) as error:
            raise ApiUnavailable(str(error)) from error


api = ApiClient()


async def release_hold(tracker: Tracker) -> None:
    """Lets go of the conversation's held slot, if there is one."""
    hold = tracker.get_slot("booking_hold")
    if hold:
        await api.call("POST", "/internal/booking/release", json={"hold_token": hold["hold_token"]})
