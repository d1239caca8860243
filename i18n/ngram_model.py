"""A character n-gram language model trained on our own training data (bot/data/nlu).

Lingua knows how languages look in their own script; residents also write Arabic, Persian,
Pashto, Russian, Ukrainian and Bulgarian in Latin letters, and Kurmanji, which lingua does not
know at all. The NLU training data holds those spellings, so a small multinomial Naive Bayes
over character 3-5-grams learns them in about a second at start-up.
"""

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from i18n.languages import LANGUAGES
from i18n.nlu_examples import read_examples
from i18n.scripts import dominant_script

NGRAM_SIZES = (3, 4, 5)  # chosen on the held-out split: bench/nlu.py


def ngrams(text: str) -> Counter[str]:
    padded = f" {text} "
    return Counter(padded[i : i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1))


class NgramLanguageModel:
    """One class per language and script ("ar" in Arabic letters, "ar" in Latin letters, ...),
    so a language's few Latin-letter examples are not drowned by its native-script ones."""

    def __init__(self, texts_by_language: dict[str, list[str]]) -> None:
        self.counts: dict[tuple[str, str | None], Counter[str]] = {}
        for lang, texts in texts_by_language.items():
            for text in texts:
                key = (lang, dominant_script(text))
                self.counts.setdefault(key, Counter()).update(ngrams(text))
        self.totals = {key: sum(c.values()) for key, c in self.counts.items()}
        self.vocabulary = len(set().union(*self.counts.values()))

    def probabilities(self, text: str, languages: list[str]) -> dict[str, float]:
        """Posterior over `languages` (equal priors), for a normalised text."""
        grams = ngrams(text)
        script = dominant_script(text)
        scores: dict[str, float] = {}
        for (lang, class_script), counts in self.counts.items():
            if lang not in languages or class_script != script:
                continue
            denominator = self.totals[(lang, class_script)] + self.vocabulary
            scores[lang] = sum(
                times * math.log((counts[gram] + 1) / denominator) for gram, times in grams.items()
            )
        if not scores:
            return {}
        best = max(scores.values())
        weights = {lang: math.exp(score - best) for lang, score in scores.items()}
        total = sum(weights.values())
        return {lang: weight / total for lang, weight in weights.items()}


def training_texts(directory: Path) -> dict[str, list[str]]:
    """Every example text per language; files that are no language (nonsense.yml) are left out."""
    return {
        path.stem: [text for texts in read_examples(path).values() for text in texts]
        for path in sorted(directory.glob("*.yml"))
        if path.stem in LANGUAGES
    }


_TOKEN = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """Lower-case words with their digits: "mar7aba" keeps its 7 (Arabizi writes ح as 7).

    Turkish capital İ casefolds to i + a combining dot, which would split the word."""
    return " ".join(_TOKEN.findall(text.replace("İ", "i").casefold()))


@lru_cache(maxsize=1)
def model_for(directory: Path) -> NgramLanguageModel:
    return NgramLanguageModel(
        {lang: [normalise(t) for t in texts] for lang, texts in training_texts(directory).items()}
    )
