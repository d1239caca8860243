"""`make bench-api`: the api alone on PostgreSQL, CPU time per request of its busiest routes.

Through the whole front door (`make bench-chat`) Rasa takes most of the 2 cores and this
machine's speed drifts, so a change of 5-10 % in the api disappears there. Here only the api
runs (no Rasa, no action server), 20 clients send the requests Rasa and the action server send
most, and the api's own CPU time is read from /proc:
- NLG with a FAQ answer (`POST /internal/nlg`, the response reads the database);
- a town with its first free slots (`GET /internal/booking/municipalities/match?offer=true`);
- a chat message up to Rasa (`POST /api/v1/chat`: pseudonym, rate limit, the conversation row;
  Rasa is not running, so the answer is "assistant unavailable", 503).
Usage: make bench-api   (or python -m bench.api --requests 2000)
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from bench.chat import database
from scripts.stack import ROOT, free_port

CLIENTS = 20
GERMAN_MESSAGE = {"event": "user", "metadata": {"language": "de"}}
FAQ_ANSWER = {
    "response": "utter_faq",
    "arguments": {"topic": "faq_counselling"},
    "tracker": {"sender_id": "bench", "slots": {}, "events": [GERMAN_MESSAGE]},
    "channel": {"name": "rest"},
}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Request = Callable[[aiohttp.ClientSession, str, int], Awaitable[None]]


async def faq_answer(client: aiohttp.ClientSession, api: str, _client_number: int) -> None:
    async with client.post(f"{api}/internal/nlg", json=FAQ_ANSWER, raise_for_status=True):
        pass


async def town_with_slots(client: aiohttp.ClientSession, api: str, _client_number: int) -> None:
    params = {"text": "brakel", "offer": "true"}
    url = f"{api}/internal/booking/municipalities/match"
    async with client.get(url, params=params, raise_for_status=True):
        pass


async def chat_message(client: aiohttp.ClientSession, api: str, client_number: int) -> None:
    body = {"sender_id": f"bench-api-{client_number:04d}", "text": "hallo", "language": "de"}
    async with client.post(f"{api}/api/v1/chat", json=body) as response:
        if response.status != 503:
            raise RuntimeError(f"expected 503 without Rasa, got {response.status}")


ROUTES: dict[str, Request] = {
    "NLG, FAQ answer": faq_answer,
    "town + first slots": town_with_slots,
    "chat up to Rasa": chat_message,
}


async def send(api: str, token: str, request: Request, count: int) -> None:
    numbers = iter(range(count))
    headers = {"X-Internal-Token": token}
    async with aiohttp.ClientSession(headers=headers) as client:

        async def one_client(client_number: int) -> None:
            for _ in numbers:
                await request(client, api, client_number)

        await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="per route")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="kim-bench-") as tmp,
        database("postgres", Path(tmp)) as env,
    ):
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        app_env = env | {"API_PORT": str(port), "RASA_URL": f"http://127.0.0.1:{free_port()}"}
        logs = ROOT / "var" / "bench-logs"
        logs.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port)]
        with open(logs / "api-alone.log", "w") as log:
            server = subprocess.Popen(
                [*command, "--no-access-log"], cwd=ROOT, env=app_env, stdout=log, stderr=log
            )
        try:
            asyncio.run(wait_until_up(api))
            token = env["INTERNAL_TOKEN"]
            print(f"api alone on PostgreSQL, {CLIENTS} clients, {args.requests} requests each")
            print(f"{'route':20} {'CPU ms/request':>15} {'requests/s':>11}")
            for name, request in ROUTES.items():
                asyncio.run(send(api, token, request, args.requests // 4))  # warm-up
                before, started = cpu_seconds(server.pid), time.perf_counter()
                asyncio.run(send(api, token, request, args.requests))
                cpu = cpu_seconds(server.pid) - before
                elapsed = time.perf_counter() - started
                print(
                    f"{name:20} {1000 * cpu / args.requests:15.2f} {args.requests / elapsed:11.0f}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


async def wait_until_up(api: str, timeout_seconds: float = 60) -> None:
    deadline = time.monotonic() + timeout_seconds
    async with aiohttp.ClientSession() as client:
        while True:
            try:
                async with client.get(f"{api}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the api did not start: see var/bench-logs/api-alone.log")
            await asyncio.sleep(0.3)


if __name__ == "__main__":
    main()
