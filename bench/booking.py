"""Slot search and booking throughput on a county of 50 locations over 8 weeks.

Creates a throw-away database (PostgreSQL on KIM_BENCH_POSTGRES_URL, default the local server;
`--sqlite` for the embedded default), loads a generated county through the real loader, then
  1. times slot searches (the query behind every "which slots are free?" answer), p50/p95;
  2. lets 20 concurrent clients book as fast as they can (search, hold, confirm, like the chat
     does), all aiming at the earliest slots so they collide, and counts double bookings.
Usage: make bench-booking   (or python -m bench.booking --seconds 20 --sqlite)
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tests.support.databases import drop_database, new_database_url

LOCATIONS = 50
CLIENTS = 20
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def county_config() -> dict:
    """50 towns, each with one location; 25 case managers with two towns each."""
    towns = [f"Ort {n:02d}" for n in range(LOCATIONS)]
    return {
        "slug": "benchkreis",
        "name": "Benchkreis",
        "languages": ["de", "ar"],
        "clusters": [
            {"key": f"C{n}", "name": f"Cluster {n}", "municipalities": towns[n * 5 : n * 5 + 5]}
            for n in range(LOCATIONS // 5)
        ],
        "booking": {"horizon_days": 56},
        "case_managers": [{"key": f"cm-{n}", "name": f"CM {n}"} for n in range(LOCATIONS // 2)],
        "locations": [
            {
                "key": f"loc-{n}",
                "municipality": town,
                "name": f"Rathaus {town}",
                "address": f"Markt {n}, 10000 {town}",
                "office_hours": [
                    {
                        "case_manager": f"cm-{n // 2}",
                        "weekday": WEEKDAYS[(n % 2) * 2 + block],
                        "from": "09:00",
                        "until": "12:00",
                    }
                    for block in range(2)
                ],
            }
            for n, town in enumerate(towns)
        ],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sqlite", action="store_true", help="embedded SQLite instead")
    args = parser.parse_args()

    server = (
        None
        if args.sqlite
        else os.environ.get(
            "KIM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        )
    )
    database_url = new_database_url(server, Path(tempfile.mkdtemp(prefix="kim-bench-")))
    os.environ.update(
        {
            "KIM_ENV": "test",
            "KIM_COUNTY": "benchkreis",
            "DATABASE_URL": database_url,
            "INTERNAL_TOKEN": secrets.token_urlsafe(24),
            "PSEUDONYM_PEPPER": secrets.token_urlsafe(24),
        }
    )
    try:
        run(args, database_url)
    finally:
        from core.db import get_engine

        get_engine().dispose()
        drop_database(database_url)


def run(args: argparse.Namespace, database_url: str) -> None:
    from alembic import command
    from sqlalchemy import func, select, text

    from core.db import get_sessionmaker, utcnow
    from scheduler.bookings import BookingError, confirm_hold, hold_slot
    from scheduler.models import Booking, County, Municipality
    from scheduler.schemas import CountyConfig
    from scheduler.service import load_county
    from scheduler.slots import search_slots
    from tests.support.helpers import alembic_config

    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    command.upgrade(alembic_config(database_url), "head")
    sessions = get_sessionmaker()
    with sessions() as session:
        county = load_county(session, CountyConfig.model_validate(county_config()))
        session.commit()
        county_id = county.id
        towns = [m.id for m in session.scalars(select(Municipality))]
    print(f"{backend}: {LOCATIONS} locations, 25 case managers, 8 weeks of office hours")

    timings = []
    with sessions() as session:
        county = session.get(County, county_id)
        now = utcnow()
        for _ in range(args.searches):
            town = session.get(Municipality, random.choice(towns))
            started = time.perf_counter()
            search_slots(session, county, town, now)
            timings.append((time.perf_counter() - started) * 1000)
    print(
        f"slot search: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms ({args.searches} searches)"
    )

    booked, conflicts, errors = [0], [0], []
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()

    def client() -> None:
        with sessions() as session:
            county = session.get(County, county_id)
            # Everyone wants the first towns' earliest slots: real contention.
            town = session.get(Municipality, towns[random.randrange(4)])
            session.rollback()
            while time.monotonic() < deadline:
                try:
                    slots = search_slots(session, county, town, utcnow()).slots
                    session.rollback()
                    if not slots:
                        return
                    held = hold_slot(
                        session, county, uuid.uuid4().hex, random.choice(slots[:2]).key,
                        language="de", channel="web", municipality=town, now=utcnow(),
                    )  # fmt: skip
                    confirm_hold(session, held.hold_token, utcnow())
                    session.commit()
                    with lock:
                        booked[0] += 1
                except BookingError:
                    session.rollback()
                    with lock:
                        conflicts[0] += 1
                except Exception as error:  # noqa: BLE001 (counted and shown)
                    session.rollback()
                    errors.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with sessions() as session:
        doubles = session.scalar(
            select(func.count()).select_from(
                select(Booking.case_manager_id, Booking.starts_at)
                .where(Booking.status == "confirmed")
                .group_by(Booking.case_manager_id, Booking.starts_at)
                .having(func.count() > 1)
                .subquery()
            )
        )
        overlaps = session.scalar(
            text(
                "SELECT count(*) FROM bookings a JOIN bookings b ON a.case_manager_id = "
                "b.case_manager_id AND a.id < b.id AND a.starts_at < b.ends_at AND "
                "b.starts_at < a.ends_at WHERE a.status = 'confirmed' AND b.status = 'confirmed'"
            )
        )
    print(
        f"booking with {CLIENTS} concurrent clients: {booked[0] / elapsed:.1f} bookings/s "
        f"({booked[0]} booked, {conflicts[0]} told 'taken' in {elapsed:.1f} s), "
        f"errors {len(errors)}, double bookings {doubles}, overlapping bookings {overlaps}"
    )
    if errors:
        print("first error:", errors[0], file=sys.stderr)
    if doubles or overlaps or errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
