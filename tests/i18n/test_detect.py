"""Language detection decides greetings and keeps weak evidence weak."""

import pytest

from i18n.detect import detect_language

ENABLED = ["de", "en", "ar"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hallo", "de"),
        ("hallo!", "de"),
        ("Guten Tag", "de"),
        ("hello", "en"),
        ("good morning", "en"),
        ("مرحبا", "ar"),
        ("السلام عليكم", "ar"),
        ("marhaba", "ar"),  # Arabic in Latin letters
        ("Ich habe eine Frage zu meinem Aufenthalt", "de"),
        ("I have a question about my residence permit", "en"),
    ],
)
def test_detects_strongly(text, language):
    detection = detect_language(text, ENABLED)
    assert detection is not None
    assert (detection.language, detection.strong) == (language, True)


@pytest.mark.parametrize("text", ["ok", "Termin", "KIM"])
def test_short_ambiguous_words_are_weak(text):
    detection = detect_language(text, ENABLED)
    assert detection is None or not detection.strong


@pytest.mark.parametrize("text", ["/greet", "123", "?!", "👍"])
def test_no_words_no_evidence(text):
    assert detect_language(text, ENABLED) is None


def test_only_enabled_languages_are_considered():
    assert detect_language("hello", ["de", "ar"]).language != "en"
