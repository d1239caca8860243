"""A real Celery worker process picks up a task from the broker (embedded or Redis)."""

import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from core.celery_app import celery_app
from core.db import get_sessionmaker
from core.models import WorkerHeartbeat
from core.settings import PROJECT_ROOT

START_TIMEOUT_SECONDS = 60


@pytest.fixture
def worker_queue():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "core.celery_app:celery_app",
            "worker",
            "--queues",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    output: list[str] = []

    def follow() -> None:
        for line in worker.stdout:  # type: ignore[union-attr]
            output.append(line)
            if f"{queue}@" in line and " ready." in line:
                ready.set()

    threading.Thread(target=follow, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready.wait(0.2):
        assert worker.poll() is None, "worker exited:\n" + "".join(output)
        assert time.monotonic() < deadline, "worker did not start:\n" + "".join(output)
    yield queue
    worker.terminate()
    worker.wait(timeout=30)


def test_worker_runs_the_heartbeat_and_it_lands_in_the_database(worker_queue):
    result = celery_app.send_task("core.tasks.record_heartbeat", queue=worker_queue)
    worker_name = result.get(timeout=60)
    with get_sessionmaker()() as session:
        row = session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker_name))
    assert row is not None and row.seen_at.tzinfo is not None
