"""Liveness and readiness: `/readyz` says which dependency is down, and answers 503 then."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from kombu import Connection
from sqlalchemy import func, select, text
from starlette.concurrency import run_in_threadpool

from core.celery_app import HEARTBEAT_SECONDS
from core.db import get_engine, utcnow
from core.models import WorkerHeartbeat
from core.settings import get_settings
from scheduler.models import County

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 3.0


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _database() -> str:
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))
        county = connection.scalar(select(County.name).where(County.slug == get_settings().county))
    if county is None:
        raise RuntimeError(f"county {get_settings().county!r} not loaded")
    return f"county {county}"


def _broker() -> str:
    with Connection(
        get_settings().celery_broker_url, connect_timeout=CHECK_TIMEOUT_SECONDS
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    return "connected"


def _worker() -> str:
    with get_engine().connect() as connection:
        seen = connection.scalar(select(func.max(WorkerHeartbeat.seen_at)))
    if seen is None:
        raise RuntimeError("no worker heartbeat yet")
    age = utcnow() - seen
    if age > timedelta(seconds=3 * HEARTBEAT_SECONDS):
        raise RuntimeError(f"last heartbeat {int(age.total_seconds())} s ago")
    return f"heartbeat {int(age.total_seconds())} s ago"


async def _http(url: str) -> str:
    async with httpx.AsyncClient(timeout=CHECK_TIMEOUT_SECONDS) as client:
        response = await client.get(url)
    response.raise_for_status()
    return f"HTTP {response.status_code}"


async def _every(urls: list[str]) -> str:
    """All Rasa processes: a conversation whose Rasa is down could not be answered."""
    results = await asyncio.gather(*(_http(url + "/") for url in urls))
    return ", ".join(results) if len(results) > 1 else results[0]


async def _timed(check: Callable[[], Awaitable[str]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS + 1)
        ok = True
    except Exception as error:  # a readiness probe reports every failure, whatever its kind
        detail, ok = f"{type(error).__name__}: {error}".strip(": "), False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


@router.get("/readyz")
async def readyz() -> JSONResponse:
    """Database, broker, Rasa and the action server must answer; the worker is reported only,
    since chat keeps working while a worker restarts."""
    settings = get_settings()
    checks = {
        "database": lambda: run_in_threadpool(_database),
        "broker": lambda: run_in_threadpool(_broker),
        "rasa": lambda: _every(settings.rasa_urls),
        "actions": lambda: _http(settings.action_server_url.rstrip("/") + "/health"),
        "worker": lambda: run_in_threadpool(_worker),
    }
    results = dict(zip(checks, await asyncio.gather(*map(_timed, checks.values())), strict=True))
    results["worker"]["required"] = False
    ready = all(result["ok"] for name, result in results.items() if name != "worker")
    return JSONResponse(
        status_code=200 if ready else 503,
        content={"status": "ok" if ready else "unavailable", "checks": results},
    )
