"""Which town a resident means, from a button or from typed words with typos."""

import difflib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import County, Municipality

CLEAR_MATCH = 0.8
POSSIBLE_MATCH = 0.5


def _plain(text: str) -> str:
    text = text.lower().replace("ß", "ss")
    for umlaut, plain in (("ae", "a"), ("oe", "o"), ("ue", "u")):
        text = text.replace(umlaut, plain)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass
class MunicipalityMatch:
    municipality: Municipality | None
    suggestions: list[Municipality]


def match_municipality(session: Session, county: County, text: str) -> MunicipalityMatch:
    towns = list(session.scalars(select(Municipality).where(Municipality.county_id == county.id)))
    typed = _plain(text.strip())
    for town in towns:
        if typed == town.slug or typed == _plain(town.name):
            return MunicipalityMatch(town, [])
    words = re.findall(r"\w+", typed)
    # "ich wohne in brakel", "bad driburg bitte": the name among other words.
    for town in sorted(towns, key=lambda t: -len(t.name)):
        name = _plain(town.name)
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", typed):
            return MunicipalityMatch(town, [])
    scored = sorted(
        (
            (
                max(
                    [difflib.SequenceMatcher(None, typed, _plain(town.name)).ratio()]
                    + [
                        difflib.SequenceMatcher(None, word, part).ratio()
                        for word in words
                        for part in _plain(town.name).split()
                        if len(part) > 3
                    ]
                ),
                town.name,
                town,
            )
            for town in towns
        ),
        key=lambda item: (-item[0], item[1]),
    )
    if not scored:
        return MunicipalityMatch(None, [])
    best_score, _, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score >= CLEAR_MATCH and best_score - runner_up >= 0.1:
        return MunicipalityMatch(best, [])
    return MunicipalityMatch(
        None, [town for score, _, town in scored[:3] if score >= POSSIBLE_MATCH]
    )
