"""The registry of languages the front door can speak.

A county enables a subset in its config; a language is only offered when its catalog is complete.
"""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    english_name: str
    # For staff: the case manager reads the resident's language in German.
    german_name: str
    direction: Literal["ltr", "rtl"]
    babel_locale: str
    script: Literal["Latn", "Arab", "Cyrl"]


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch", "German", "Deutsch", "ltr", "de_DE", "Latn"),
        Language("en", "English", "English", "Englisch", "ltr", "en_GB", "Latn"),
        Language("ar", "العربية", "Arabic", "Arabisch", "rtl", "ar", "Arab"),
        Language(
            "fa",
            "فارسی / دری",
            "Persian (Farsi, Dari)",
            "Persisch (Farsi, Dari)",
            "rtl",
            "fa_IR",
            "Arab",
        ),
        Language("ps", "پښتو", "Pashto", "Paschtu", "rtl", "ps_AF", "Arab"),
        Language(
            "ku", "Kurmancî", "Kurdish (Kurmanji)", "Kurdisch (Kurmandschi)", "ltr", "ku_TR", "Latn"
        ),
        Language("tr", "Türkçe", "Turkish", "Türkisch", "ltr", "tr_TR", "Latn"),
        Language("uk", "Українська", "Ukrainian", "Ukrainisch", "ltr", "uk_UA", "Cyrl"),
        Language("ru", "Русский", "Russian", "Russisch", "ltr", "ru_RU", "Cyrl"),
        Language("ro", "Română", "Romanian", "Rumänisch", "ltr", "ro_RO", "Latn"),
        Language("bg", "Български", "Bulgarian", "Bulgarisch", "ltr", "bg_BG", "Cyrl"),
        Language("pl", "Polski", "Polish", "Polnisch", "ltr", "pl_PL", "Latn"),
    )
}

SOURCE_LANGUAGE = "de"


def get_language(code: str) -> Language:
    return LANGUAGES[code]
