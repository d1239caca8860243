"""Offline language identification for residents' messages.

In order: German office words are set aside (they say nothing about the resident's language);
a short message is decided by curated short words (i18n/short_words/); letters only one
language writes decide (Pashto, Ukrainian); then our character n-gram model trained on the
NLU data, which knows transliterations and Kurmanji (i18n/ngram_model.py); then lingua, which
knows the languages in their own scripts. Weak evidence is reported as weak, so the caller
keeps the conversation's current language.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from i18n.languages import LANGUAGES
from i18n.ngram_model import NgramLanguageModel, model_for, normalise
from i18n.nlu_examples import TRAINING_DIR
from i18n.scripts import dominant_script

SHORT_MESSAGE_WORDS = 3
STRONG_SHORT = 0.90
STRONG_LONG = 0.50
MIN_LETTERS = 4


# Pashto, which lingua does not know, is told apart from Persian by letters only it writes.
PASHTO_LETTERS = set("ټډړږښګڼېۍځڅ")
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


def ngram_model() -> NgramLanguageModel:
    return model_for(TRAINING_DIR)


def warm_up(codes: list[str]) -> None:
    """Load lingua's models and train ours now rather than on a resident's first message."""
    ngram_model()
    for script in ("Latn", "Arab", "Cyrl"):
        candidates = tuple(c for c in codes if LANGUAGES[c].script == script)
        if detector := _detector(candidates):
            detector.compute_language_confidence_values("warm up")


def detect_language(text: str, enabled: list[str]) -> Detection | None:
    """The language of `text` among the enabled ones, or None when the text carries no evidence."""
    if text.startswith("/"):
        return None  # a button payload, not words
    own_words = " ".join(w for w in text.split() if normalise(w) not in OFFICE_WORDS)
    normalised = normalise(own_words)
    if not normalised:
        return None
    short = len(normalised.split()) <= SHORT_MESSAGE_WORDS
    if short:
        # Across scripts on purpose: "marhaba" is Arabic written in Latin letters.
        votes = _lexicon_votes(normalised, enabled)
        best = max(votes.values())
        winners = [lang for lang, count in votes.items() if count == best]
        if best > 0 and len(winners) == 1:
            return Detection(winners[0], 1.0, strong=True, short=short)

    script = dominant_script(normalised)
    if script is None or sum(char.isalpha() for char in normalised) < MIN_LETTERS:
        return None  # "ok", "no", "hi": too few letters for statistics to mean anything
    candidates = [code for code in enabled if LANGUAGES[code].script == script]
    if "ps" in candidates and PASHTO_LETTERS & set(normalised):
        return Detection("ps", 1.0, strong=True, short=short)
    if script == "Cyrl":
        candidates = _cyrillic_candidates(normalised, candidates)
        if len(candidates) == 1:
            return Detection(candidates[0], 1.0, strong=True, short=short)
        enabled = [c for c in enabled if c in candidates or LANGUAGES[c].script != script]

    # Our own n-gram model knows transliterations and Kurmanji; lingua is the second opinion.
    threshold = STRONG_SHORT if short else STRONG_LONG
    ours = ngram_model().probabilities(normalised, enabled)
    if ours:
        language, confidence = max(ours.items(), key=lambda item: item[1])
        if confidence >= threshold or not candidates:
            return Detection(language, confidence, confidence >= threshold, short)
    if len(candidates) == 1:
        return Detection(candidates[0], 1.0, strong=True, short=short)
    detector = _detector(tuple(candidates))
    if detector is None:
        return Detection(language, confidence, False, short) if ours else None
    values = detector.compute_language_confidence_values(normalised)
    if not values or values[0].value == 0:
        return None
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    return Detection(code, top.value, top.value >= threshold, short)
