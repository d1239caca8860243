"""Every text a resident can see is translated, in every language a county enables."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from core.settings import PROJECT_ROOT
from i18n.languages import LANGUAGES, SOURCE_LANGUAGE
from i18n.responses import placeholders
from i18n.scripts import dominant_script
from scheduler.schemas import read_county_config

LOCALES = PROJECT_ROOT / "i18n" / "locales"


def enabled_languages() -> list[str]:
    codes = set()
    for path in (PROJECT_ROOT / "config" / "counties").glob("*.yml"):
        codes.update(read_county_config(path).languages)
    return sorted(codes - {SOURCE_LANGUAGE})


def source_messages() -> set[tuple[str | None, str]]:
    """Extracted now from the code, templates and Rasa domain, so a stale .pot cannot hide a gap."""
    with open(PROJECT_ROOT / "i18n" / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, context in extract_from_dir(
        str(PROJECT_ROOT),
        method_map,
        options_map,
        keywords={"N_": None, "_": None, "gettext": None, "pgettext": ((1, "c"), 2)},
    ):
        found.add((context, message))
    return found


def catalog(language: str):
    with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=LANGUAGES[language].babel_locale)


def test_source_messages_are_found():
    messages = source_messages()
    assert ("utter_greet", next(m for c, m in messages if c == "utter_greet")) in messages
    assert (None, "Bitte schreiben Sie eine Nachricht.") in messages


@pytest.mark.parametrize("language", enabled_languages())
def test_every_message_is_translated(language):
    translated = {
        (m.context, m.id): m.string for m in catalog(language) if m.id and not m.fuzzy and m.string
    }
    missing = sorted(str(key) for key in source_messages() if key not in translated)
    assert not missing, f"{language}: untranslated (run make i18n-update): {missing}"


@pytest.mark.parametrize("language", enabled_languages())
def test_placeholders_are_identical(language):
    for message in catalog(language):
        if message.id and message.string:
            assert placeholders(message.id) == placeholders(message.string), (
                f"{language}: {message.id!r} -> {message.string!r}"
            )


@pytest.mark.parametrize("language", enabled_languages())
def test_translations_are_written_in_the_languages_script(language):
    """An Arabic catalog holds Arabic script (shown right-to-left), not copied German.

    German terms residents must recognise may follow in parentheses: "Гражданство (Einbürgerung)".
    """
    expected = LANGUAGES[language].script
    for message in catalog(language):
        if message.id and message.string:
            own_words = re.sub(r"\([^)]*\)", "", message.string)
            assert dominant_script(own_words) == expected, f"{language}: {message.string!r}"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", enabled_languages())
def test_msgfmt_check_is_clean(language, tmp_path: Path):
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr


def test_rtl_languages_are_marked_rtl():
    assert {code for code, lang in LANGUAGES.items() if lang.direction == "rtl"} == {
        "ar",
        "fa",
        "ps",
    }
