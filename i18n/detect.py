"""Offline language identification for residents' messages.

Script first (Arabic, Cyrillic or Latin letters narrow the candidates), then a curated list of
short words, then lingua's statistical model. Weak evidence is reported as weak so the caller
keeps the conversation's current language.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from i18n.languages import LANGUAGES

SHORT_MESSAGE_WORDS = 3
STRONG_SHORT = 0.90
STRONG_LONG = 0.50

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    strong: bool


def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    if name.startswith("ARABIC"):
        return "Arab"
    if name.startswith("CYRILLIC"):
        return "Cyrl"
    if name.startswith("LATIN"):
        return "Latn"
    return None


def dominant_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    for char in text:
        if script := _script_of(char):
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


@lru_cache
def _short_words() -> dict[str, set[str]]:
    data = yaml.safe_load((Path(__file__).parent / "short_words.yml").read_text(encoding="utf-8"))
    return {lang: {normalise(str(w)) for w in words} for lang, words in data.items()}


def _lexicon_votes(text: str, candidates: list[str]) -> dict[str, int]:
    """How many words or word pairs of the message each language's short-word list contains."""
    words = text.split()
    grams = set(words) | {" ".join(pair) for pair in zip(words, words[1:], strict=False)}
    grams.add(text)
    lexicon = _short_words()
    return {lang: len(grams & lexicon.get(lang, set())) for lang in candidates}


@lru_cache(maxsize=32)
def _detector(codes: tuple[str, ...]) -> LanguageDetector | None:
    languages = []
    for code in codes:
        try:
            languages.append(IsoCode639_1.from_str(code))
        except ValueError:
            continue  # lingua does not know every language we speak (Pashto, Kurmanji)
    if len(languages) < 2:
        return None
    return LanguageDetectorBuilder.from_iso_codes_639_1(*languages).build()


def warm_up(codes: list[str]) -> None:
    """Load lingua's models now rather than on a resident's first message."""
    for script in ("Latn", "Arab", "Cyrl"):
        candidates = tuple(c for c in codes if LANGUAGES[c].script == script)
        if detector := _detector(candidates):
            detector.compute_language_confidence_values("warm up")


def detect_language(text: str, enabled: list[str]) -> Detection | None:
    """The language of `text` among the enabled ones, or None when the text carries no evidence."""
    if text.startswith("/"):
        return None  # a button payload, not words
    normalised = normalise(text)
    short = len(normalised.split()) <= SHORT_MESSAGE_WORDS
    if short:
        # Across scripts on purpose: "marhaba" is Arabic written in Latin letters.
        votes = _lexicon_votes(normalised, enabled)
        best = max(votes.values())
        winners = [lang for lang, count in votes.items() if count == best]
        if best > 0 and len(winners) == 1:
            return Detection(winners[0], 1.0, strong=True)

    script = dominant_script(text)
    candidates = [code for code in enabled if LANGUAGES[code].script == script]
    if not candidates:
        return None
    if len(candidates) == 1:
        return Detection(candidates[0], 1.0, strong=True)

    detector = _detector(tuple(candidates))
    if detector is None:
        return None
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value == 0:
        return None
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    strong = top.value >= (STRONG_SHORT if short else STRONG_LONG)
    return Detection(code, top.value, strong)
