"""The booking endpoints the action server uses, and the public calendar and feedback pages."""

import asyncio
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import anyio.to_thread
import httpx
import pytest
import uvicorn

from conversations.service import record_message
from core.db import get_sessionmaker, utcnow
from scheduler.bookings import booking_by_code, mark_attended
from scripts.stack import free_port


@pytest.fixture
def internal(client, settings):
    client.headers["X-Internal-Token"] = settings.internal_token.get_secret_value()
    yield client
    del client.headers["X-Internal-Token"]


def new_conversation(language="ar", channel="web") -> str:
    conversation_id = uuid.uuid4().hex
    with get_sessionmaker()() as session:
        record_message(session, conversation_id, channel, "hallo", language, None, [language], "de")
        session.commit()
    return conversation_id


def first_slot(internal, municipality="brakel") -> dict:
    response = internal.get("/internal/booking/slots", params={"municipality": municipality})
    assert response.status_code == 200
    return response.json()["slots"][0]


def test_internal_endpoints_refuse_callers_without_the_token(client):
    assert (
        client.get("/internal/booking/slots", params={"municipality": "brakel"}).status_code == 403
    )


def test_town_matching_suggests_when_unsure(internal):
    assert (
        internal.get("/internal/booking/municipalities/match", params={"text": "hoxter"}).json()[
            "slug"
        ]
        == "hoexter"
    )
    unsure = internal.get(
        "/internal/booking/municipalities/match", params={"text": "Berlin"}
    ).json()
    assert unsure["slug"] is None and "beverungen" in unsure["suggestions"]


def test_a_matched_town_comes_with_the_slots_the_search_offers(internal):
    """The booking form asks the api once for the town and its slots."""
    params = {"text": "brakl", "offer": "true"}
    found = internal.get("/internal/booking/municipalities/match", params=params).json()
    searched = internal.get("/internal/booking/slots", params={"municipality": "brakel"}).json()
    assert found["slug"] == "brakel"
    assert found["offer"] == searched and searched["slots"]
    unsure = {"text": "Berlin", "offer": "true"}
    found = internal.get("/internal/booking/municipalities/match", params=unsure).json()
    assert found["offer"] is None


def test_hold_confirm_twice_find_and_cancel(internal):
    conversation = new_conversation()
    slot = first_slot(internal)
    hold = internal.post(
        "/internal/booking/holds",
        json={"conversation_id": conversation, "slot_key": slot["key"], "municipality": "brakel"},
    )
    assert hold.status_code == 201
    token = hold.json()["hold_token"]
    first = internal.post("/internal/booking/confirm", json={"hold_token": token})
    second = internal.post("/internal/booking/confirm", json={"hold_token": token})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    code = first.json()["code"]

    found = internal.get("/internal/booking/bookings", params={"conversation_id": conversation})
    assert found.json()["code"] == code
    by_code = internal.get("/internal/booking/bookings", params={"code": f"my code {code.lower()}"})
    assert by_code.json()["code"] == code

    other_slot = first_slot(internal)
    refused = internal.post(
        "/internal/booking/holds",
        json={"conversation_id": conversation, "slot_key": other_slot["key"]},
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == {"reason": "already_booked", "code": code}

    assert (
        internal.post(f"/internal/booking/bookings/{code}/cancel").json()["status"] == "cancelled"
    )
    assert (
        internal.get(
            "/internal/booking/bookings", params={"conversation_id": conversation}
        ).status_code
        == 404
    )


def test_unknown_hold_and_taken_slot_are_answers_not_errors(internal):
    assert (
        internal.post("/internal/booking/confirm", json={"hold_token": "nope"}).status_code == 409
    )
    slot = first_slot(internal)
    for expected in (201, 409):
        response = internal.post(
            "/internal/booking/holds",
            json={"conversation_id": new_conversation(), "slot_key": slot["key"]},
        )
        assert response.status_code == expected
    assert response.json()["detail"]["reason"] == "slot_taken"


def test_nlg_shows_slots_as_buttons_in_arabic_with_other_days_and_cancel(internal):
    slots = internal.get("/internal/booking/slots", params={"municipality": "brakel"}).json()
    message = internal.post(
        "/internal/nlg",
        json={
            "response": "utter_ask_booking_slot",
            "arguments": {"slots": slots["slots"], "next_after": slots["next_after"]},
            "tracker": {
                "sender_id": "x",
                "events": [{"event": "user", "metadata": {"language": "ar"}}],
            },
        },
    ).json()
    titles = [b["title"] for b in message["buttons"]]
    assert len(titles) == len(slots["slots"]) + 2
    # Weekday and month in Arabic, the town's German name.
    assert any(day in titles[0] for day in ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة"))
    # Sorted by time: the own town's places, and maybe an earlier one nearby.
    assert any("– Brakel" in title for title in titles)
    assert message["buttons"][-2]["payload"] == (
        f'/inform{{"booking_slot": "later:{slots["next_after"]}"}}'
    )
    assert message["buttons"][-1]["payload"] == "/deny"


def test_calendar_file_and_feedback_page(client, internal):
    conversation = new_conversation(language="ar", channel="whatsapp")
    slot = first_slot(internal)
    token = internal.post(
        "/internal/booking/holds", json={"conversation_id": conversation, "slot_key": slot["key"]}
    ).json()["hold_token"]
    code = internal.post("/internal/booking/confirm", json={"hold_token": token}).json()["code"]

    ics = client.get(f"/api/v1/bookings/{code}.ics")
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text
    assert client.get("/api/v1/bookings/ACDE-FGHJ.ics").status_code == 404

    with get_sessionmaker()() as session:
        booking = booking_by_code(session, code)
        mark_attended(session, booking, utcnow() + timedelta(days=2))
        feedback_token = booking.feedback_token
        session.commit()
    page = client.get(f"/feedback/{feedback_token}")
    assert page.status_code == 200
    assert 'lang="ar" dir="rtl"' in page.text and page.text.count('type="radio"') == 9
    empty = client.post(f"/feedback/{feedback_token}", data={})
    assert empty.status_code == 422 and 'role="alert"' in empty.text
    thanks = client.post(f"/feedback/{feedback_token}", data={"helpful": "yes"})
    assert thanks.status_code == 200 and 'role="status"' in thanks.text
    assert client.get(f"/feedback/{feedback_token}").status_code == 404


class ErrorsLogged(logging.Handler):
    """What a server logged about failed requests, with tracebacks: why a request failed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


@contextmanager
def served(app, worker_threads: int | None = None) -> Iterator[tuple[str, ErrorsLogged]]:
    """The app under uvicorn on loopback; `worker_threads` narrows the pool sync routes run in."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))

    async def serve() -> None:
        if worker_threads is not None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads
        await server.serve()

    errors = ErrorsLogged()
    logging.getLogger("uvicorn.error").addHandler(errors)
    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.1)
        yield f"http://127.0.0.1:{port}", errors
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        logging.getLogger("uvicorn.error").removeHandler(errors)


NO_ANSWER = 0  # the resident waited a minute and got nothing


def book_at_once(base: str, headers: dict, residents: int) -> list[int]:
    """Each resident holds the same slot at the same moment and confirms if the hold succeeds."""
    slot = httpx.get(
        f"{base}/internal/booking/slots", params={"municipality": "warburg"}, headers=headers
    ).json()["slots"][0]
    conversations = [new_conversation() for _ in range(residents)]
    statuses: list[int] = []
    barrier = threading.Barrier(residents)

    def resident(conversation: str) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            barrier.wait()
            try:
                held = http.post(
                    "/internal/booking/holds",
                    json={"conversation_id": conversation, "slot_key": slot["key"]},
                )
                if held.status_code != 201:
                    statuses.append(held.status_code)
                    return
                confirmed = http.post(
                    "/internal/booking/confirm", json={"hold_token": held.json()["hold_token"]}
                )
                statuses.append(confirmed.status_code)
            except httpx.TimeoutException:
                statuses.append(NO_ANSWER)

    threads = [threading.Thread(target=resident, args=(c,)) for c in conversations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(statuses)


def test_fifty_parallel_requests_for_one_slot_book_it_once_over_real_http(county, settings):
    """Through uvicorn on loopback: every request gets an answer, exactly one gets the slot."""
    from api.main import app

    headers = {"X-Internal-Token": settings.internal_token.get_secret_value()}
    with served(app) as (base, errors):
        statuses = book_at_once(base, headers, 50)
    assert statuses == [200] + [409] * 49, errors.messages[:2]


def test_a_hold_commits_before_its_answer_waits_for_a_worker_thread(county, settings):
    """More residents than worker threads: the winner's hold must not keep the slot locked
    while its answer queues behind requests that wait for that lock. (Sync routes answer
    from the thread pool; a hold that committed only afterwards left everyone waiting until
    the database gave up after 30 s, and residents got errors instead of answers.)"""
    from api.main import app

    headers = {"X-Internal-Token": settings.internal_token.get_secret_value()}
    with served(app, worker_threads=3) as (base, errors):
        statuses = book_at_once(base, headers, 12)
    assert statuses == [200] + [409] * 11, errors.messages[:2]
