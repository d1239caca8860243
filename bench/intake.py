"""Outbox delivery: throughput and latency to a case system on loopback.

Creates a throw-away database (SQLite by default, `--postgres` for the local server), writes
N pre-intake records through the real service (consent, triage, schema check, encryption,
outbox), then delivers them with the webhook adapter to a loopback receiver that verifies
every signature. Prints records/s and the p50/p95 of one delivery (POST and answer).
Usage: make bench-intake   (or python -m bench.intake --records 500 --postgres)
"""

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.databases import drop_database, new_database_url

SECRET = secrets.token_urlsafe(24)


class _Receiver(BaseHTTPRequestHandler):
    received: set[str] = set()
    bad_signatures = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers.get("X-KIM-Signature", ""), expected):
            type(self).bad_signatures += 1
            self.send_response(401)
        else:
            type(self).received.add(self.headers["Idempotency-Key"])
            self.send_response(201)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    server = (
        os.environ.get("KIM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        if args.postgres
        else None
    )
    database_url = new_database_url(server, Path(tempfile.mkdtemp(prefix="kim-bench-")))
    os.environ.update(
        {
            "KIM_ENV": "test",
            "DATABASE_URL": database_url,
            "DATA_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "INTERNAL_TOKEN": secrets.token_urlsafe(24),
            "PSEUDONYM_PEPPER": secrets.token_urlsafe(24),
        }
    )
    try:
        run(args.records, database_url)
    finally:
        from core.db import get_engine

        get_engine().dispose()
        drop_database(database_url)


def run(count: int, database_url: str) -> None:
    from alembic import command

    from core.db import get_sessionmaker, utcnow
    from core.settings import PROJECT_ROOT
    from intake.adapters import WebhookAdapter
    from intake.outbox import deliver_due
    from intake.service import create_pre_intake, record_consent
    from scheduler.schemas import read_county_config
    from scheduler.service import load_county
    from tests.support.helpers import alembic_config

    command.upgrade(alembic_config(database_url), "head")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.server_address[1]}/kim"
    answers = {"urgent_need": "no", "age": 31, "household": "family", "life_areas": ["work"]}

    sessions = get_sessionmaker()
    with sessions() as session:
        county = load_county(
            session, read_county_config(PROJECT_ROOT / "config/counties/hoexter.yml")
        )
        started = time.perf_counter()
        for _ in range(count):
            conversation = uuid.uuid4().hex
            consent = record_consent(
                session, county, conversation, given=True, language="ar", channel="web",
                now=utcnow(),
            )  # fmt: skip
            create_pre_intake(
                session, county, conversation_id=conversation, consent=consent, answers=answers,
                booking=None, language="ar", channel="web", source_office=None, now=utcnow(),
            )  # fmt: skip
        session.commit()
        written = time.perf_counter() - started

    latencies: list[float] = []
    adapter = WebhookAdapter(url, SECRET)

    class Timed:
        def deliver(self, body: bytes, key: str) -> None:
            began = time.perf_counter()
            adapter.deliver(body, key)
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    delivered = 0
    with sessions() as session:
        while delivered < count:
            run_result = deliver_due(session, lambda county_id: Timed(), utcnow())
            session.commit()
            if not run_result.delivered:
                break
            delivered += run_result.delivered
    elapsed = time.perf_counter() - started
    receiver.shutdown()
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    print(
        f"{backend}: wrote {count} records (triage, schema, encryption, outbox) in {written:.1f} s"
    )
    print(
        f"delivered {delivered} in {elapsed:.1f} s: {delivered / elapsed:.0f} records/s, "
        f"one delivery p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {percentile(latencies, 0.95):.1f} ms; receiver got {len(_Receiver.received)} "
        f"distinct records, {_Receiver.bad_signatures} bad signatures"
    )


if __name__ == "__main__":
    main()
