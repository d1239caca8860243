"""`make bench-chat`: chat latency and throughput through the front door, beside Rasa alone.

Starts its own api, one or more Rasa processes and an action server, on the embedded defaults
(a throw-away SQLite database, no Redis, Rasa's in-memory tracker store) and on PostgreSQL +
Redis (a throw-away database on the local server; Rasa with the production endpoints: SQL
tracker store, Redis lock store). Each resident has a FAQ conversation (greeting, a question,
a topic button, goodbye), through POST /api/v1/chat and, as the reference, straight to the
first Rasa's REST channel; then, through the front door only, the same FAQ conversation
followed by a booking (town, slot, consent, the screening questions, "book") that is cancelled
again, so the slots last. (Rasa alone cannot book: the api knows only conversations that came
through its own channels.)
Usage: make bench-chat   (or python -m bench.chat --rounds 2 --rasa 2 --setups embedded)
"""

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from scripts.stack import ROOT, running_stack
from tests.support.chat import CODE, NOTES, SCREENING

FAQ = {
    "de": ["Hallo", "was ist kim?", "/faq_counselling", "tschüss"],
    "ar": ["مرحبا", "شو هو كيم", "/faq_counselling", "مع السلامة"],
}
BOOK = {"de": "Ich brauche einen Termin", "ar": "بدي موعد"}
AGE = {"de": "34", "ar": "٣٤"}
POSTGRES_URL = os.environ.get("KIM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("KIM_BENCH_REDIS_URL", "redis://127.0.0.1:6379")


@dataclass
class Resident:
    """One conversation partner; `direct` talks to Rasa's REST channel instead of the api."""

    client: aiohttp.ClientSession
    url: str
    direct: bool
    language: str
    number: int
    latencies: list[float] = field(default_factory=list)
    booked: int = 0

    def __post_init__(self) -> None:
        self.new_conversation()

    def new_conversation(self) -> None:
        """Each round is a new conversation: Rasa's cost per message grows with its length."""
        self.sender = f"bench-{uuid.uuid4().hex}"

    async def says(self, text: str) -> list[dict]:
        body = (
            {"sender": self.sender, "message": text, "metadata": {"language": self.language}}
            if self.direct
            else {"sender_id": self.sender, "text": text, "language": self.language}
        )
        started = time.perf_counter()
        async with self.client.post(self.url, json=body, raise_for_status=True) as response:
            answer = await response.json()
        self.latencies.append(time.perf_counter() - started)
        return answer if self.direct else answer["messages"]

    @staticmethod
    def buttons(messages: list[dict]) -> list[dict]:
        return [b for m in messages for b in m.get("buttons") or []]

    @classmethod
    def choices(cls, messages: list[dict]) -> list[dict]:
        """Buttons that choose something (a town, a slot, later slots), not "yes" or "no"."""
        return [b for b in cls.buttons(messages) if b["payload"].startswith("/inform")]

    async def presses(
        self, messages: list[dict], index: int = 0, choice: bool = False
    ) -> list[dict]:
        buttons = self.choices(messages) if choice else self.buttons(messages)
        if not buttons:
            raise RuntimeError(f"no button to press in {messages}")
        return await self.says(buttons[index % len(buttons)]["payload"])

    async def faq(self) -> None:
        for text in FAQ[self.language]:
            await self.says(text)

    async def book_and_cancel(self) -> None:
        towns = await self.says(BOOK[self.language])
        offered = await self.presses(towns, self.number, choice=True)
        for attempt in range(10):  # another resident may hold the slot: take the next one
            messages = await self.presses(offered, self.number + attempt, choice=True)
            if not self.choices(messages):
                break  # held: the consent question comes next
            offered = messages
        for step in SCREENING:
            typed = not step.startswith("/")
            text = step.format(age=AGE[self.language], note=NOTES[self.language]) if typed else step
            messages = await self.says(text)
        booked = await self.presses(messages, 0)  # "book"
        if any(CODE.search(m.get("text") or "") for m in booked):
            self.booked += 1
            confirm = await self.says("/cancel_appointment")
            await self.presses(confirm, 0)


async def measure(
    url: str, direct: bool, concurrency: int, rounds: int, booking: bool
) -> dict[str, float]:
    # aiohttp, as in the api (api/rasa.py): the residents share the 2 cores with what they
    # measure, and with httpx they took 2.3 ms of CPU per booking message, with aiohttp 0.8.
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as client:
        residents = [
            Resident(client, url, direct, ("de", "ar")[n % 2], n) for n in range(concurrency)
        ]

        async def converse(resident: Resident) -> None:
            for _ in range(rounds):
                resident.new_conversation()
                await resident.faq()
                if booking:
                    await resident.book_and_cancel()

        started = time.perf_counter()
        await asyncio.gather(*(converse(resident) for resident in residents))
        elapsed = time.perf_counter() - started
    latencies = [value for resident in residents for value in resident.latencies]
    return {
        "messages": len(latencies),
        "booked": sum(resident.booked for resident in residents),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def database(setup: str, var_dir: Path) -> Iterator[dict[str, str]]:
    """The process environment of one setup, with a fresh database holding the demo county."""
    env = {
        **os.environ,
        "KIM_VAR_DIR": str(var_dir),
        "INTERNAL_TOKEN": secrets.token_urlsafe(24),
        "PSEUDONYM_PEPPER": secrets.token_urlsafe(24),
        "PYTHONPATH": str(ROOT),
        # A benchmark resident answers at machine speed, not at a person's: no per-sender limit.
        "CHAT_RATE_PER_MINUTE": "100000",
    }
    if setup == "embedded":
        env |= {"DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite'}", "REDIS_URL": ""}
        yield migrated(env)
        return
    name = f"kim_bench_{uuid.uuid4().hex[:8]}"
    server = sa.make_url(POSTGRES_URL)
    admin = sa.create_engine(
        server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(drivername="postgresql+psycopg", database=name)
    env |= {
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "REDIS_URL": f"{REDIS_URL}/14",
        # Rasa as in production (bot/endpoints.production.yml): trackers in PostgreSQL, locks
        # in Redis.
        "RASA_ENDPOINTS": "bot/endpoints.production.yml",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_DB": name,
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "REDIS_HOST": sa.make_url(REDIS_URL).host or "127.0.0.1",
        "REDIS_PORT": str(sa.make_url(REDIS_URL).port or 6379),
    }
    try:
        yield migrated(env)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrated(env: dict[str, str]) -> dict[str, str]:
    for command in (["-m", "alembic", "upgrade", "head"], ["-m", "api.cli", "load-county"]):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2, help="booking rounds per resident")
    parser.add_argument("--rasa", type=int, nargs="+", default=[1, 2], help="Rasa processes")
    parser.add_argument(
        "--setups", nargs="+", default=["embedded", "postgres"], choices=["embedded", "postgres"]
    )
    args = parser.parse_args()
    # A FAQ conversation has 4 messages, a booking about 22: more FAQ rounds for a steady p95.
    rounds = {False: 5 * args.rounds, True: args.rounds}
    rows = []
    for setup in args.setups:
        for processes in args.rasa:
            with (
                tempfile.TemporaryDirectory(prefix="kim-bench-") as tmp,
                database(setup, Path(tmp)) as env,
            ):
                started = time.perf_counter()
                logs = ROOT / "var" / "bench-logs"
                with running_stack(env, logs, rasa_processes=processes) as stack:
                    print(
                        f"{setup}, {processes} Rasa: ready in {time.perf_counter() - started:.0f} s"
                    )
                    # Warm every Rasa process (conversations are spread by their id), unmeasured.
                    asyncio.run(measure(f"{stack.api_url}/api/v1/chat", False, 8, 1, True))
                    for concurrency in (1, 20):
                        for path, url, direct, booking in (
                            (
                                "Rasa alone",
                                f"{stack.rasa_urls[0]}/webhooks/rest/webhook",
                                True,
                                False,
                            ),
                            ("front door", f"{stack.api_url}/api/v1/chat", False, False),
                            ("front door", f"{stack.api_url}/api/v1/chat", False, True),
                        ):
                            result = asyncio.run(
                                measure(url, direct, concurrency, rounds[booking], booking)
                            )
                            flow = "FAQ+booking" if booking else "FAQ"
                            rows.append((setup, path, flow, processes, concurrency, result))
                            print_row(*rows[-1])
                    peak = max(
                        peak_rss_mb(stack.processes[f"rasa{i}"].pid) for i in range(processes)
                    )
                    print(f"Rasa peak memory (VmHWM), largest process: {peak:.0f} MB")
    print("\nsetup     path       flow        rasa residents  msgs booked  msg/s  p50 ms  p95 ms")
    for row in rows:
        print_row(*row)


def print_row(setup: str, path: str, flow: str, processes: int, concurrency: int, r: dict) -> None:
    print(
        f"{setup:9} {path:10} {flow:11} {processes:4d} {concurrency:9d} {r['messages']:5d} "
        f"{r['booked']:6d} {r['per_second']:6.1f} {r['p50_ms']:7.0f} {r['p95_ms']:7.0f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
