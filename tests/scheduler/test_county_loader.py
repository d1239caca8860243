"""The demo county loads from its config, and loading it again changes nothing."""

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from core.settings import PROJECT_ROOT
from scheduler.models import Cluster, Municipality
from scheduler.schemas import CountyConfig, read_county_config
from scheduler.service import load_county

HOEXTER = PROJECT_ROOT / "config" / "counties" / "hoexter.yml"


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(Cluster)),
        session.scalar(select(func.count()).select_from(Municipality)),
    )


def test_hoexter_has_ten_towns_in_four_clusters(session):
    county = load_county(session, read_county_config(HOEXTER))
    clusters = {c.key: sorted(m.name for m in c.municipalities) for c in county.clusters}
    assert clusters == {
        "I": ["Marienmünster", "Nieheim", "Steinheim"],
        "II": ["Borgentreich", "Warburg", "Willebadessen"],
        "III": ["Bad Driburg", "Brakel"],
        "IV": ["Beverungen", "Höxter"],
    }
    assert county.default_language == "de"


def test_loading_twice_is_idempotent(session):
    config = read_county_config(HOEXTER)
    load_county(session, config)
    before = counts(session)
    load_county(session, config)
    assert counts(session) == before


def test_a_renamed_county_is_updated_in_place(session):
    config = read_county_config(HOEXTER)
    county = load_county(session, config)
    renamed = load_county(session, config.model_copy(update={"name": "Kreis Höxter (Test)"}))
    assert renamed.id == county.id and renamed.name == "Kreis Höxter (Test)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"languages": ["de", "xx"]}, "unknown language codes: xx"),
        ({"default_language": "ar", "languages": ["de"]}, "default_language must be one of"),
        (
            {
                "clusters": [
                    {"key": "A", "name": "A", "municipalities": ["X"]},
                    {"key": "B", "name": "B", "municipalities": ["X"]},
                ]
            },
            "more than one cluster: X",
        ),
        (
            {"offices": [{"key": "buergerbuero-x", "name": "X", "municipality": "Paderborn"}]},
            "buergerbuero-x: unknown municipality 'Paderborn'",
        ),
        (
            {"offices": [{"key": "bb", "name": "A", "municipality": "Brakel"}] * 2},
            "offices listed twice: bb",
        ),
        (
            {"offices": [{"key": "Bürgerbüro Brakel", "name": "A", "municipality": "Brakel"}]},
            "String should match pattern",
        ),
    ],
)
def test_config_mistakes_are_explained(change, message):
    data = read_county_config(HOEXTER).model_dump() | change
    with pytest.raises(ValidationError, match=message):
        CountyConfig.model_validate(data)


def test_every_town_has_a_registration_office_for_its_qr_poster(session):
    county = load_county(session, read_county_config(HOEXTER))
    assert len(county.offices) == 10
    assert {office["municipality"] for office in county.offices} == {
        m.name for m in county.municipalities
    }
    assert county.office("buergerbuero-brakel") == {
        "key": "buergerbuero-brakel", "name": "Bürgerbüro Brakel", "municipality": "Brakel",
    }  # fmt: skip
    assert county.office("buergerbuero-paderborn") is None and county.office(None) is None
