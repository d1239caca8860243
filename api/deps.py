"""Dependencies shared by routes: settings, database session, the county being served."""

import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.rasa import RasaClient
from core.db import get_sessionmaker
from core.settings import Settings, get_settings
from scheduler.models import County
from scheduler.service import get_county


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its
# thread pool, and those hand-overs were an eighth of the api's CPU time under load (py-spy).
async def settings_dependency() -> Settings:
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dependency)]


def get_session() -> Iterator[Session]:
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Committed before the response leaves: a client that follows a redirect or sends its next
# message at once must find what this request wrote. Routes that write and answer with a
# model commit themselves before returning: FastAPI checks a sync route's answer in the
# thread pool before this teardown runs, and under load that pool can be full of requests
# waiting for the very locks the uncommitted transaction holds (a stall until SQLite gives
# up after 30 s; tests/api/test_booking_api.py has the case).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


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
_county_cache: dict[str, tuple[float, CountyContext]] = {}


def _cached_context(slug: str) -> CountyContext | None:
    cached = _county_cache.get(slug)
    return cached[1] if cached and time.monotonic() - cached[0] < _COUNTY_TTL_SECONDS else None


def load_county_context(settings: Settings) -> CountyContext:
    """The served county, cached briefly: it changes only when an admin edits it."""
    if cached := _cached_context(settings.county):
        return cached
    with get_sessionmaker()() as session:
        county = get_county(session, settings.county)
        if county is None:
            raise HTTPException(
                503, f"county {settings.county!r} is not loaded: run `make demo` or the loader"
            )
        context = CountyContext(
            county.slug,
            county.name,
            county.languages,
            county.default_language,
            frozenset(office["key"] for office in county.offices or []),
        )
    _county_cache[settings.county] = (time.monotonic(), context)
    return context


async def get_county_context(settings: SettingsDep) -> CountyContext:
    return _cached_context(settings.county) or await run_in_threadpool(
        load_county_context, settings
    )


CountyDep = Annotated[CountyContext, Depends(get_county_context)]


_county_rows: dict[str, tuple[float, County]] = {}


def _read_county(slug: str) -> County | None:
    with get_sessionmaker()() as session:
        return get_county(session, slug)


async def get_county_row(session: SessionDep, settings: SettingsDep) -> County:
    """The served county as a row of this request's session, for services that compute with
    its rules. Read at most every _COUNTY_TTL_SECONDS like the context above (only the config
    loader changes it); in between, a kept copy joins the session without a query, which
    every booking step and many NLG answers used to spend on this row."""
    kept = _county_rows.get(settings.county)
    if kept is None or time.monotonic() - kept[0] >= _COUNTY_TTL_SECONDS:
        county = await run_in_threadpool(_read_county, settings.county)
        if county is None:
            raise HTTPException(503, f"county {settings.county!r} is not loaded")
        kept = _county_rows[settings.county] = (time.monotonic(), county)
    return session.merge(kept[1], load=False)


CountyRowDep = Annotated[County, Depends(get_county_row)]


async def require_internal_token(
    settings: SettingsDep, token: Annotated[str, Header(alias="X-Internal-Token")] = ""
) -> None:
    """Rasa and the action server send the shared token; nobody else may call internal routes."""
    expected = settings.internal_token.get_secret_value()
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(403, "invalid internal token")


async def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa
