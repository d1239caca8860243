"""Chat latency and throughput through the front door, beside Rasa's REST channel alone.

Starts its own api, one or more Rasa processes and an action server on a throw-away SQLite
database, then sends the same conversations (greeting, a FAQ question, a button press,
goodbye) with 1 and with 20 concurrent residents, through POST /api/v1/chat and directly to
(the first) Rasa. Also prints Rasa's peak memory (VmHWM). Usage: make bench   (or
python -m bench.chat --rounds 5 --rasa 1 2)
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
from pathlib import Path

import httpx

from scripts.stack import ROOT, running_stack

CONVERSATIONS = [
    ["Hallo", "/faq_counselling", "was ist kim?", "tschüss"],
    ["مرحبا", "/faq_counselling", "شو هو كيم", "مع السلامة"],
    ["hello", "/faq_counselling", "what is this service", "bye"],
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def converse(client: httpx.AsyncClient, url: str, direct: bool, rounds: int) -> list[float]:
    latencies = []
    for round_number in range(rounds):
        messages = CONVERSATIONS[round_number % len(CONVERSATIONS)]
        sender = f"bench-{uuid.uuid4().hex}"
        for text in messages:
            body = (
                {"sender": sender, "message": text, "metadata": {"language": "de"}}
                if direct
                else {"sender_id": sender, "text": text}
            )
            started = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
    return latencies


async def measure(url: str, direct: bool, concurrency: int, rounds: int) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=120) as client:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(converse(client, url, direct, rounds) for _ in range(concurrency))
        )
        elapsed = time.perf_counter() - started
    latencies = [value for result in results for value in result]
    return {
        "messages": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
    }


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def prepare_database(var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "KIM_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite'}",
        "REDIS_URL": "",
        "INTERNAL_TOKEN": secrets.token_urlsafe(24),
        "PSEUDONYM_PEPPER": secrets.token_urlsafe(24),
        "PYTHONPATH": str(ROOT),
    }
    for command in (["-m", "alembic", "upgrade", "head"], ["-m", "api.cli", "load-county"]):
        subprocess.run([sys.executable, *command], cwd=ROOT, env=env, check=True)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="conversations per resident")
    parser.add_argument(
        "--rasa", type=int, nargs="+", default=[1, 2], help="Rasa processes behind the api"
    )
    args = parser.parse_args()
    rows = []
    for processes in args.rasa:
        with tempfile.TemporaryDirectory(prefix="kim-bench-") as tmp:
            env = prepare_database(Path(tmp))
            started = time.perf_counter()
            logs = ROOT / "var" / "bench-logs"
            with running_stack(env, logs, rasa_processes=processes) as stack:
                print(f"{processes} Rasa: stack ready in {time.perf_counter() - started:.1f} s")
                for concurrency in (1, 20):
                    for name, url, direct in (
                        (
                            "Rasa REST alone (one)",
                            f"{stack.rasa_urls[0]}/webhooks/rest/webhook",
                            True,
                        ),
                        ("front door /api/v1/chat", f"{stack.api_url}/api/v1/chat", False),
                    ):
                        result = asyncio.run(measure(url, direct, concurrency, args.rounds))
                        rows.append((name, processes, concurrency, result))
                peak = max(peak_rss_mb(stack.processes[f"rasa{i}"].pid) for i in range(processes))
                print(f"Rasa peak memory (VmHWM), largest process: {peak:.0f} MB")
    header = ("path", "rasa", "residents", "msgs", "msg/s", "p50 ms", "p95 ms")
    print("\n{:26} {:>4} {:>9} {:>6} {:>7} {:>8} {:>8}".format(*header))
    for name, processes, concurrency, r in rows:
        print(
            f"{name:26} {processes:4d} {concurrency:9d} {r['messages']:6d} "
            f"{r['per_second']:7.1f} {r['p50_ms']:8.0f} {r['p95_ms']:8.0f}"
        )


if __name__ == "__main__":
    main()
