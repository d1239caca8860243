"""Language detection decides greetings and keeps weak evidence weak."""

import pytest

from i18n.detect import _short_words, detect_language

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


@pytest.mark.parametrize("text", ["/greet", "123", "?!", "👍", "Anmeldung", "Jobcenter Termin"])
def test_no_words_no_evidence(text):
    assert detect_language(text, ENABLED) is None


def test_only_enabled_languages_are_considered():
    assert detect_language("hello", ["de", "ar"]).language != "en"


ALL = ["de", "en", "ar", "fa", "ps", "ku", "tr", "uk", "ru", "ro", "bg", "pl"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("كيف اسجل عنواني في البلدية", "ar"),
        ("چطور آدرس خونه رو ثبت کنم", "fa"),
        ("زه څنګه خپل پته ثبت کړم", "ps"),  # Pashto letters, which lingua does not know
        ("ez çawa navnîşana xwe qeyd bikim", "ku"),  # Kurmanji, which lingua does not know
        ("adresimi nasıl kaydettiririm", "tr"),
        ("як зареєструвати адресу", "uk"),
        ("как прописаться по адресу", "ru"),
        ("как да регистрирам адреса си", "bg"),
        ("cum îmi înregistrez adresa", "ro"),  # î is Romanian here, not Kurmanji
        ("jak zameldować się pod adresem", "pl"),
        ("help me", "en"),  # "me" is no Kurmanji evidence
        # German office words mixed in say nothing about the resident's language
        ("how do i register my address, anmeldung", "en"),
        ("cum îmi înregistrez adresa, anmeldung", "ro"),
        ("как да регистрирам адреса си, анмелдунг", "bg"),  # Bulgarian words, not Russian
        ("как прописаться по адресу, анмельдунг", "ru"),
    ],
)
def test_twelve_languages(text, language):
    detection = detect_language(text, ALL)
    assert detection is not None and detection.strong
    assert detection.language == language


def test_no_short_word_names_two_languages():
    owners: dict[str, str] = {}
    for language, words in _short_words().items():
        for word in words:
            assert owners.setdefault(word, language) == language, (
                f"{word!r} is in the {owners[word]} and the {language} list"
            )
