"""Dependencies shared by routes: settings, database session, the county being served."""

import hmac
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, NamedTuple

import anyio
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.rasa import RasaClient
from core.db import get_autocommit_sessionmaker, get_sessionmaker
from core.settings import Settings, get_settings
from scheduler.models import County
from scheduler.service import get_county


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its
# thread pool, and those hand-overs were an eighth of the api's CPU time under load (py-spy).
async def settings_dependency() -> Settings:
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dependency)]


async def get_session() -> AsyncIterator[Session]:
    """Opening a session does no I/O, so it happens on the event loop. Ending one that holds
    a connection does: that runs in a worker thread, on a limiter of its own (as FastAPI
    ends a plain generator dependency), so a full thread pool cannot hold up a commit. A plain
    generator here cost two hand-overs to the thread pool per request."""
    session = get_sessionmaker()()
    try:
        yield session
    except BaseException:
        await _end(session, session.rollback)
        raise
    else:
        await _end(session, session.commit)


async def _end(session: Session, finish: Callable[[], None]) -> None:
    def finish_and_close() -> None:
        try:
            finish()
        finally:
            session.close()

    transaction = session.get_transaction()
    # No connection checked out (SQLAlchemy has no public way to ask).
    unused = transaction is None or not transaction._connections
    if unused and not (session.new or session.dirty or session.deleted):
        finish_and_close()  # nothing to send to the database
        return
    with CancelScope(shield=True):
        await anyio.to_thread.run_sync(finish_and_close, limiter=CapacityLimiter(1))


async def get_read_session() -> AsyncIterator[Session]:
    """For routes that only read (Rasa's and the action server's questions to the api): an
    autocommit session (core/db.py) ends without I/O, so without a worker thread."""
    session = get_autocommit_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


# Committed before the response leaves: a client that follows a redirect or sends its next
# message at once must find what this request wrote. Routes that write and answer with a
# model commit themselves before returning: FastAPI checks a sync route's answer in the
# thread pool before this teardown runs, and under load that pool can be full of requests
# waiting for the very locks the uncommitted transaction holds (a stall until SQLite gives
# up after 30 s; tests/api/test_booking_api.py has the case).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


@dataclass(frozen=True)
class CountyContext:
    slug: str
    name: str
    languages: list[str]
    default_language: str
    # Keys of the registration offices with a QR code: the only valid conversation sources.
    offices: frozenset[str] = frozenset()

    def office(self, key: str | None) -> str | None:
        return key if key in self.offices else None


_COUNTY_TTL_SECONDS = 30.0


class _KeptCounty(NamedTuple):
    read_at: float
    row: County  # detached: each request merges its own copy
    context: CountyContext


_kept_counties: dict[str, _KeptCounty] = {}


def _fresh(slug: str) -> _KeptCounty | None:
    kept = _kept_counties.get(slug)
    return kept if kept and time.monotonic() - kept.read_at < _COUNTY_TTL_SECONDS else None


def _kept_county(slug: str) -> _KeptCounty:
    """The served county, read at most every _COUNTY_TTL_SECONDS: only the county config
    loader changes it. Blocking on a miss: call it in a worker thread from async code."""
    if kept := _fresh(slug):
        return kept
    with get_sessionmaker()() as session:
        county = get_county(session, slug)
    if county is None:
        raise HTTPException(503, f"county {slug!r} is not loaded: run `make demo` or the loader")
    context = CountyContext(
        county.slug,
        county.name,
        county.languages,
        county.default_language,
        frozenset(office["key"] for office in county.offices or []),
    )
    kept = _kept_counties[slug] = _KeptCounty(time.monotonic(), county, context)
    return kept


async def _county(settings: Settings) -> _KeptCounty:
    return _fresh(settings.county) or await run_in_threadpool(_kept_county, settings.county)


def load_county_context(settings: Settings) -> CountyContext:
    return _kept_county(settings.county).context


async def get_county_context(settings: SettingsDep) -> CountyContext:
    return (await _county(settings)).context


CountyDep = Annotated[CountyContext, Depends(get_county_context)]


async def get_county_row(session: SessionDep, settings: SettingsDep) -> County:
    """The served county as a row of this request's session, for services that compute with
    its rules. The kept copy joins the session without a query, which every booking step and
    many NLG answers used to spend on this row."""
    return session.merge((await _county(settings)).row, load=False)


async def get_read_county_row(session: ReadSessionDep, settings: SettingsDep) -> County:
    return await get_county_row(session, settings)


CountyRowDep = Annotated[County, Depends(get_county_row)]
ReadCountyRowDep = Annotated[County, Depends(get_read_county_row)]


async def require_internal_token(
    settings: SettingsDep, token: Annotated[str, Header(alias="X-Internal-Token")] = ""
) -> None:
    """Rasa and the action server send the shared token; nobody else may call internal routes."""
    expected = settings.internal_token.get_secret_value()
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(403, "invalid internal token")


async def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa
