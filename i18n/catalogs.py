"""Gettext catalogs (i18n/locales/<lang>/LC_MESSAGES/messages.mo), compiled by pybabel.

German is the source language: its text lives in the code and in the Rasa domain, so a message
without a translation falls back to German rather than to nothing.
"""

from functools import lru_cache

from babel.support import NullTranslations, Translations

from core.settings import get_settings

DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=64)
def translations(language: str) -> NullTranslations:
    return Translations.load(str(get_settings().locales_dir), [language], domain=DOMAIN)


def gettext(language: str, message: str, **variables: object) -> str:
    text = translations(language).ugettext(message)
    return text.format(**variables) if variables else text


def pgettext(language: str, context: str, message: str) -> str:
    return translations(language).pgettext(context, message)
