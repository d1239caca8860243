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

# Languages lingua does not know are told apart by what only they write.
PASHTO_LETTERS = set("ټډړږښګڼېۍځڅ")
KURMANJI_LETTERS = set("êû")
ROMANIAN_LETTERS = set("ăâșțţ")  # Romanian shares î with Kurmanji
# Kurmanji function words and frequent verbs; none is a common word in another language we speak
# (so not "me", "te", "na", "tu", "li" or "nine").
KURMANJI_WORDS = frozenset(
    [
        "ez",
        "hûn",
        "hun",
        "çi",
        "çawa",
        "cawa",
        "kengî",
        "kengi",
        "kîjan",
        "kijan",
        "heye",
        "hene",
        "nîne",
        "dixwazim",
        "dixwazin",
        "bikim",
        "bikin",
        "dikarim",
        "dikare",
        "çêbikim",
        "pirsgirêk",
        "pirsgirek",
        "alîkarî",
        "alikari",
        "spas",
        "silav",
        "rojbaş",
        "rojbas",
        "xatirê",
        "xatire",
        "erê",
        "zarok",
        "xwe",
        "navnîşan",
        "navnisan",
        "qeyd",
        "jî",
        "ji",
        "divê",
        "dive",
    ]
)


# German office words residents mix into every language ("how do i do the anmeldung"): they say
# nothing about the resident's language, and a statistical model takes them for German.
OFFICE_WORDS = frozenset(
    """anmeldung termin termine jobcenter ausländerbehörde auslaenderbehoerde auslanderbehorde
    ausländeramt aufenthaltserlaubnis aufenthaltstitel duldung gestattung fiktionsbescheinigung
    kita krankenkasse integrationskurs bürgergeld buergergeld burgergeld sozialamt bürgerbüro
    buergerbuero einwohnermeldeamt meldebescheinigung familienkasse kindergeld wohngeld
    wohnungsgeberbestätigung einbürgerung einbuergerung schulamt jugendamt rathaus heim
    анмельдунг анмелдунг термин джобцентр бюргергельд""".split()
)
# Cyrillic letters that only one of our Cyrillic languages uses.
UKRAINIAN_LETTERS = set("іїєґ")
NOT_BULGARIAN_LETTERS = set("ыэё")
BULGARIAN_WORDS = frozenset(
    "ще съм сме какво искам къде кога трябва мога можете имам нещо здравей благодаря моля "
    "довиждане".split()
)


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float
    strong: bool
    short: bool = False


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
    # Turkish capital İ casefolds to i + a combining dot, which would split the word.
    return " ".join(_WORD.findall(text.replace("İ", "i").casefold()))


@lru_cache
def _short_words() -> dict[str, set[str]]:
    """i18n/short_words/<language>.yml: words that name their language on their own."""
    return {
        path.stem: {normalise(str(word)) for word in yaml.safe_load(path.read_text("utf-8"))}
        for path in (Path(__file__).parent / "short_words").glob("*.yml")
    }


def _lexicon_votes(text: str, candidates: list[str]) -> dict[str, int]:
    """How many words or word pairs of the message each language's short-word list contains."""
    words = text.split()
    grams = set(words) | {" ".join(pair) for pair in zip(words, words[1:], strict=False)}
    grams.add(text)
    lexicon = _short_words()
    return {lang: len(grams & lexicon.get(lang, set())) for lang in candidates}


def _cyrillic_candidates(normalised: str, candidates: list[str]) -> list[str]:
    """Ukrainian and Bulgarian letters and words settle what statistics confuse with Russian."""
    letters = set(normalised)
    if "uk" in candidates and UKRAINIAN_LETTERS & letters:
        return ["uk"]
    if NOT_BULGARIAN_LETTERS & letters:
        return [code for code in candidates if code != "bg"]
    if "bg" in candidates and BULGARIAN_WORDS & set(normalised.split()):
        return ["bg"]
    return candidates


def _kurmanji_share(normalised: str, text: str) -> float:
    """Share of words that are Kurmanji function words; ê, û (and î, unless the text is
    Romanian) count as strong evidence."""
    words = normalised.split()
    if not words:
        return 0.0
    share = sum(word in KURMANJI_WORDS for word in words) / len(words)
    letters = set(text.casefold())
    marked = bool(KURMANJI_LETTERS & letters) or (
        share > 0 and "î" in letters and not ROMANIAN_LETTERS & letters
    )
    return min(1.0, share + (0.3 if marked else 0.0))


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
    normalised = " ".join(w for w in normalise(text).split() if w not in OFFICE_WORDS)
    if not normalised:
        return None
    text = normalised
    short = len(normalised.split()) <= SHORT_MESSAGE_WORDS
    if short:
        # Across scripts on purpose: "marhaba" is Arabic written in Latin letters.
        votes = _lexicon_votes(normalised, enabled)
        best = max(votes.values())
        winners = [lang for lang, count in votes.items() if count == best]
        if best > 0 and len(winners) == 1:
            return Detection(winners[0], 1.0, strong=True, short=short)

    script = dominant_script(text)
    candidates = [code for code in enabled if LANGUAGES[code].script == script]
    if not candidates:
        return None
    if len(candidates) == 1:
        return Detection(candidates[0], 1.0, strong=True, short=short)
    if "ps" in candidates and PASHTO_LETTERS & set(text):
        return Detection("ps", 1.0, strong=True, short=short)
    if "ku" in candidates and (kurmanji := _kurmanji_share(normalised, text)) >= 0.3:
        return Detection("ku", kurmanji, strong=kurmanji >= (0.5 if short else 0.3), short=short)
    if script == "Cyrl":
        candidates = _cyrillic_candidates(normalised, candidates)
        if len(candidates) == 1:
            return Detection(candidates[0], 1.0, strong=True, short=short)

    detector = _detector(tuple(candidates))
    if detector is None:
        return None
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value == 0:
        return None
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    strong = top.value >= (STRONG_SHORT if short else STRONG_LONG)
    return Detection(code, top.value, strong, short)
