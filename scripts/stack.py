"""Starts api, Rasa and the action server on free local ports: for e2e tests and benchmarks.

`make run` uses honcho and the Procfile instead; this is the same set of commands, made
self-contained so a test or a benchmark can own its processes and stop them afterwards.
"""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts.train_model import bot_env
from scripts.train_model import train as train_model

ROOT = Path(__file__).resolve().parent.parent
BOT_BIN = ROOT / "bot" / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StackFailed(RuntimeError):
    pass


@dataclass
class Stack:
    api_url: str
    rasa_urls: list[str]
    processes: dict[str, subprocess.Popen]
    logs: Path


def _wait_ready(stack: Stack, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    last = "no answer"
    while time.monotonic() < deadline:
        for name, process in stack.processes.items():
            if process.poll() is not None:
                raise StackFailed(f"{name} exited with {process.returncode}: see {stack.logs}")
        try:
            response = httpx.get(f"{stack.api_url}/readyz", timeout=5)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as error:
            last = str(error)
        time.sleep(1)
    raise StackFailed(f"not ready after {timeout_seconds:.0f} s: {last}")


@contextmanager
def running_stack(
    env: dict[str, str], logs: Path, rasa_processes: int = 1, timeout_seconds: float = 300
) -> Iterator[Stack]:
    """`env` must name the database (DATABASE_URL) with the county loaded, and the secrets."""
    model = train_model()
    api_port, actions_port = free_port(), free_port()
    rasa_ports = [free_port() for _ in range(rasa_processes)]
    api_url = f"http://127.0.0.1:{api_port}"
    urls = {
        "RASA_URL": ",".join(f"http://127.0.0.1:{port}" for port in rasa_ports),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        "API_INTERNAL_URL": api_url,
    }
    # API_PORT: links the api writes (calendar files, feedback) point at this port.
    app = {**env, **urls, "API_PORT": str(api_port), "PYTHONPATH": str(ROOT)}
    bot = bot_env(env | urls)
    # RASA_ENDPOINTS=bot/endpoints.production.yml: trackers in PostgreSQL, locks in Redis.
    endpoints = env.get("RASA_ENDPOINTS", "bot/endpoints.yml")
    logs.mkdir(parents=True, exist_ok=True)

    def start(name: str, command: list[str], process_env: dict[str, str]) -> subprocess.Popen:
        with open(logs / f"{name}.log", "w") as log:
            return subprocess.Popen(
                command, cwd=ROOT, env=process_env, stdout=log, stderr=subprocess.STDOUT
            )

    processes = {
        "actions": start(
            "actions",
            [str(BOT_BIN / "python"), "-m", "rasa_sdk", "--actions", "actions"]
            + ["--port", str(actions_port)],
            bot | {"SANIC_HOST": "127.0.0.1"},
        ),
    }
    for index, port in enumerate(rasa_ports):
        processes[f"rasa{index}"] = start(
            f"rasa{index}",
            [str(BOT_BIN / "python"), "-m", "bot.serve", "run"]
            + ["--interface", "127.0.0.1", "--port", str(port)]
            + ["--model", str(model), "--endpoints", endpoints]
            + ["--credentials", "bot/credentials.yml"],
            bot,
        )
    processes["api"] = start(
        "api", [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(api_port)], app
    )
    stack = Stack(api_url, urls["RASA_URL"].split(","), processes, logs)
    try:
        _wait_ready(stack, timeout_seconds)
        yield stack
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
