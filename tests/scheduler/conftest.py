"""A small county of our own per test, built through the real loader (not the demo data)."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from core.db import get_sessionmaker
from scheduler.models import County
from scheduler.schemas import CountyConfig
from scheduler.service import load_county

# A Saturday in March 2027: the clocks go forward on Sunday 28 March.
SATURDAY_BEFORE_SPRING = datetime(2027, 3, 20, 10, 0, tzinfo=UTC)


def county_config(slug: str, **overrides: object) -> CountyConfig:
    """Two towns in one cluster and a third alone; one case manager with a cover colleague."""
    config = {
        "slug": slug,
        "name": "Testkreis",
        "languages": ["de", "en", "ar"],
        "clusters": [
            {"key": "A", "name": "Nord", "municipalities": ["Nordstadt", "Nebendorf"]},
            {"key": "B", "name": "Süd", "municipalities": ["Südheim"]},
        ],
        "booking": {"services": {"intake": 60}, "lead_days": 1, "horizon_days": 56},
        "contact": {"name": "KIM Testkreis", "phone": "01234 5678", "email": "kim@example.org"},
        "case_managers": [
            {"key": "cm-nord", "name": "CM Nord", "languages": ["ar"]},
            {"key": "cm-sued", "name": "CM Süd"},
        ],
        "locations": [
            {
                "key": "nordstadt-rathaus",
                "municipality": "Nordstadt",
                "name": "Rathaus Nordstadt",
                "address": "Markt 1, 12345 Nordstadt",
                "room": "Raum 2",
                "step_free": True,
                "bus": "Linie 5, Haltestelle Markt",
                "office_hours": [
                    {"case_manager": "cm-nord", "weekday": "mon", "from": "09:00", "until": "12:00"}
                ],
            },
            {
                "key": "suedheim-rathaus",
                "municipality": "Südheim",
                "name": "Rathaus Südheim",
                "address": "Kirchplatz 3, 12346 Südheim",
                "office_hours": [
                    {"case_manager": "cm-sued", "weekday": "thu", "from": "14:00", "until": "16:00"}
                ],
            },
        ],
    }
    config.update(overrides)
    return CountyConfig.model_validate(config)


@pytest.fixture
def make_county(migrated_database: str) -> Callable[..., County]:
    """Loads (and commits) a fresh county; keyword arguments replace parts of the config."""

    def make(**overrides: object) -> County:
        with get_sessionmaker()() as session:
            county = load_county(session, county_config(f"t-{uuid.uuid4().hex[:12]}", **overrides))
            session.commit()
            return county

    return make


@pytest.fixture
def test_county(make_county: Callable[..., County], session: Session) -> County:
    return session.merge(make_county())
