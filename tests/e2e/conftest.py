"""Starts the real api, Rasa and action server on free ports, once per test session."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_ROOT
from scripts.train_model import bot_env
from scripts.train_model import train as train_model
from tests.support.helpers import closed_port

START_TIMEOUT_SECONDS = 300
LOGS = PROJECT_ROOT / "test-artifacts" / "e2e"


def _start(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "w")  # noqa: SIM115 (closed when the process is stopped)
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_ready(url: str, processes: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    last = None
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}: see {LOGS / name}.log")
        try:
            last = httpx.get(f"{url}/readyz", timeout=5)
            if last.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"not ready after {START_TIMEOUT_SECONDS} s: {last.text if last else 'no answer'}")


@pytest.fixture(scope="session")
def front_door(county) -> Iterator[str]:  # noqa: ANN001 (the county fixture loads the demo county)
    model: Path = train_model()
    api_port, rasa_port, actions_port = closed_port(), closed_port(), closed_port()
    api_url = f"http://127.0.0.1:{api_port}"
    common = {
        **os.environ,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        "API_INTERNAL_URL": api_url,
    }
    bot = {k: v for k, v in bot_env().items() if k != "PYTHONPATH"} | {
        k: common[k] for k in ("RASA_URL", "ACTION_SERVER_URL", "API_INTERNAL_URL")
    }
    bot_python = str(PROJECT_ROOT / "bot" / ".venv" / "bin" / "python")
    processes = {
        "actions": _start(
            "actions",
            [bot_python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
            bot | {"SANIC_HOST": "127.0.0.1"},
        ),
        "rasa": _start(
            "rasa",
            [
                str(PROJECT_ROOT / "bot" / ".venv" / "bin" / "rasa"), "run",
                "--interface", "127.0.0.1", "--port", str(rasa_port), "--model", str(model),
                "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
            ],
            bot,
        ),
        "api": _start(
            "api",
            [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(api_port)],
            common | {"PYTHONPATH": str(PROJECT_ROOT)},
        ),
    }
    try:
        _wait_ready(api_url, processes)
        yield api_url
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
