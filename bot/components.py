"""Custom Rasa NLU components (named in bot/config.yml; Rasa imports them from the project root).

NormalisingTokenizer:
Residents type the same word in several spellings: with or without diacritics (ę/e, ş/s, ê/e,
Arabic harakat), with Arabic or Persian forms of the same letter (ي/ی, ك/ک, ة/ه, أ/ا),
with stretched letters (tatweel, "heeeelp") and with Arabic-Indic digits. The tokenizer gives
every token a normalised lemma, which the count featurizers use (`use_lemma`, their default),
so all spellings of a word count as one. Chosen with make bench-nlu (see README).
A booking code ("RATW-PNYN", "k7qm 4xpy") becomes the lemma "code": its random letters must not
sway the intent ("موعدي ratw-pnyn" was read as cancelling for some codes, as checking for others).

LogisticRegressionIntentClassifier: Rasa's logistic regression, with two speed fixes, same
numbers, same results:
- its weights are stored column by column. scikit-learn multiplies a message's features with
  the transposed weights; stored row by row, scipy copied the whole weight matrix (features x
  intents) for every message, which was a seventh of Rasa's CPU time under load;
- its feature matrix is built in one go from the messages' sentence features. Rasa deep-copied
  every message's word features (which the classifier does not use) and stacked the messages
  one by one: a seventh of the training time (py-spy on `rasa train`), and 5 % of Rasa's CPU
  per message under load.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, issparse
from sklearn.exceptions import ConvergenceWarning

_SAME_LETTER = str.maketrans(
    {
        # Arabic-script letters that residents use interchangeably.
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
        "ى": "ي", "ی": "ي", "ې": "ي", "ۍ": "ي", "ئ": "ي",
        "ك": "ک", "ة": "ه", "ۀ": "ه", "ؤ": "و",
        "ـ": None,  # tatweel only stretches a word
        "\u200c": None,  # zero-width non-joiner, typed or not in Persian
        # Letters without a decomposition, typed plainly on phones without the keyboard. Not
        # Turkish ı: "hı hı" (yes) would become "hi hi" (hello).
        "ł": "l", "ß": "ss",
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
    }
)  # fmt: skip
_REPEATS = re.compile(r"(.)\1{2,}")

# Booking codes as scheduler/bookings.py makes them: 4 + 4 characters of CODE_ALPHABET, typed
# with a dash, a space or nothing between. Only with a dash or a digit: plain 8-letter words
# ("revedere", "cheghadr") fit the alphabet too.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
# The word residents write next to a code ("my code is ..."): a code reads as "code".
CODE_LEMMA = "code"
_CODE = re.compile(rf"[{CODE_ALPHABET}]{{4}}-?[{CODE_ALPHABET}]{{4}}", re.IGNORECASE)
_CODE_HALF = re.compile(rf"[{CODE_ALPHABET}]{{4}}", re.IGNORECASE)
_DIGIT_OR_DASH = re.compile(r"[0-9-]")


def _mark_codes(tokens: list[Token]) -> None:
    for index, token in enumerate(tokens):
        if _CODE.fullmatch(token.text) and _DIGIT_OR_DASH.search(token.text):
            token.lemma = CODE_LEMMA
        elif index > 0 and _CODE_HALF.fullmatch(token.text):
            before = tokens[index - 1]
            halves = before.text + token.text
            if _CODE_HALF.fullmatch(before.text) and _DIGIT_OR_DASH.search(halves):
                before.lemma = token.lemma = CODE_LEMMA


def normalise(word: str) -> str:
    """One spelling per word: lower case, shared letter forms, no diacritics, no stretching."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_SAME_LETTER))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _REPEATS.sub(r"\1\1", plain)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class NormalisingTokenizer(WhitespaceTokenizer):
    """Rasa's whitespace tokenizer, plus a normalised lemma on every token."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NormalisingTokenizer:
        return cls(config)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa's training cache must not reuse tokens made by an older version of this code."""
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            token.lemma = normalise(token.text)
        _mark_codes(tokens)
        return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """Rasa's LogisticRegressionClassifier, with a faster feature matrix and weight layout."""

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """The messages' sentence features side by side, in Rasa's order, one row per message."""
        per_message = [
            [
                feature.features
                for feature in message.features
                if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE
            ]
            for message in messages
        ]
        layouts = {tuple(matrix.shape for matrix in matrices) for matrices in per_message}
        first = per_message[0] if per_message else []
        if len(layouts) != 1 or not first or not all(issparse(matrix) for matrix in first):
            return super()._create_X(messages)  # dense or uneven features: Rasa's own way
        widths = [matrix.shape[1] for matrix in first]
        offsets = np.cumsum([0, *widths[:-1]])
        values, columns, row_ends, filled = [], [], [0], 0
        for matrices in per_message:
            for matrix, offset in zip(matrices, offsets, strict=True):
                row = matrix.tocoo()
                values.append(row.data)
                columns.append(row.col + offset)
                filled += row.nnz
            row_ends.append(filled)
        stacked = csr_matrix(
            (np.concatenate(values), np.concatenate(columns), row_ends),
            shape=(len(messages), sum(widths)),
        )
        stacked.sum_duplicates()
        return stacked

    def train(self, training_data: TrainingData) -> Resource:
        """`max_iter` stops the solver early on purpose (bot/config.yml: more iterations gave
        the same held-out scores), so scikit-learn's warning about it is not printed."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            return super().train(training_data)

    def process(self, messages: list[Message]) -> list[Message]:
        weights = getattr(self.clf, "coef_", None)
        if weights is not None and not weights.flags.f_contiguous:
            self.clf.coef_ = np.asfortranarray(weights)
        return super().process(messages)
