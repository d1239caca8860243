"""STOP, START and HILFE in the push channels (WhatsApp, SMS, Telegram), before the assistant.

A command is a whole message: one of the words below in any enabled language, in any case,
with or without accents, a leading "/" (Telegram) or trailing punctuation. "START <office>" is
also the first message of the QR poster's WhatsApp link (api/routes/pages.py): it names the
registration office the resident came from.
"""

import re
import unicodedata
from dataclasses import dataclass

from i18n.catalogs import N_

STOPPED = N_(
    "Gut. Wir schicken Ihnen keine Nachrichten mehr. Auch keine Erinnerung an Ihren Termin. "
    "Sie können mir aber weiter schreiben. Sie möchten wieder Nachrichten? "
    "Dann schreiben Sie: START"
)
STARTED = N_(
    "Gut. Wir schicken Ihnen wieder Nachrichten. Zum Beispiel eine Erinnerung an Ihren Termin. "
    "Sie möchten keine Nachrichten mehr? Dann schreiben Sie: STOP"
)
HELP = N_(
    "Ich bin der digitale Assistent vom Integrations-Management. "
    "Schreiben Sie mir Ihre Frage. Oder schreiben Sie: Termin.\n"
    "STOP: Wir schicken Ihnen keine Nachrichten mehr.\n"
    "START: Wir schicken Ihnen wieder Nachrichten.\n"
    "Im Notfall rufen Sie sofort an: Polizei 110, Rettungsdienst 112."
)

# The words per command and language, as residents type them (normalised when read). Words
# the dialogue needs are left out: "cancel" and "abmelden" mean a booking or a registration,
# "ja"/"yes" answer questions.
_WORDS = {
    "stop": {
        "de": ["stopp", "stop"],
        "en": ["stop", "stopall", "unsubscribe"],
        "ar": ["توقف", "إيقاف", "قف"],
        "fa": ["توقف", "ایست"],
        "ps": ["ودرېږه", "ودروه"],
        "ku": ["raweste", "bisekine"],
        "tr": ["dur", "durdur"],
        "uk": ["стоп", "зупинити"],
        "ru": ["стоп", "остановить"],
        "ro": ["stop", "oprire"],
        "bg": ["стоп", "спри"],
        "pl": ["stop", "zatrzymaj"],
    },
    "start": {
        "de": ["start"],
        "en": ["start", "unstop"],
        "ar": ["ابدأ", "بدء"],
        "fa": ["شروع"],
        "ps": ["پیل"],
        "ku": ["dest pê bike"],
        "tr": ["başla"],
        "uk": ["старт", "почати"],
        "ru": ["старт", "начать"],
        "ro": ["start", "pornire"],
        "bg": ["старт", "начало"],
        "pl": ["start"],
    },
    "help": {
        "de": ["hilfe"],
        "en": ["help"],
        "ar": ["مساعدة"],
        "fa": ["کمک", "راهنما"],
        "ps": ["مرسته"],
        "ku": ["alîkarî"],
        "tr": ["yardım"],
        "uk": ["допомога"],
        "ru": ["помощь"],
        "ro": ["ajutor"],
        "bg": ["помощ"],
        "pl": ["pomoc"],
    },
}

# Letters written differently on Arabic and Persian keyboards, and the Turkish dotless i.
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ı": "i", "ـ": None})
# A registration office's key, as the QR poster's link writes it after START.
_OFFICE = re.compile(r"[a-z0-9-]{1,64}")
# Telegram adds the bot's name to commands in groups: "/stop@kim_bot".
_TELEGRAM_BOT_SUFFIX = re.compile(r"^(/\w+)@\w+")


def normalise(text: str) -> str:
    """Lower case, no accents or Arabic vowel marks, no punctuation, single spaces."""
    text = _TELEGRAM_BOT_SUFFIX.sub(r"\1", text.strip()).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(
        " " if unicodedata.category(c)[0] in "PZS" else c
        for c in decomposed
        if unicodedata.category(c) != "Mn"
    )
    return " ".join(letters.translate(_LETTERS).split())


@dataclass(frozen=True)
class Command:
    name: str  # stop, start or help
    # The language of the word, when only one language has it ("توقف" is ar and fa: None).
    language: str | None
    # "START brakel-meldeamt": the registration office, as typed (checked by the caller).
    office: str | None = None


_TABLE: dict[str, tuple[str, set[str]]] = {}
for _name, _languages in _WORDS.items():
    for _language, _words in _languages.items():
        for _word in _words:
            _TABLE.setdefault(normalise(_word), (_name, set()))[1].add(_language)


def find_command(text: str) -> Command | None:
    """The command this message is, if it is one: the whole message, or START and an office."""
    found, office = _TABLE.get(normalise(text)), None
    typed = text.split()
    if found is None and len(typed) == 2 and _OFFICE.fullmatch(typed[1].lower()):
        found, office = _TABLE.get(normalise(typed[0])), typed[1].lower()
        if found is not None and found[0] != "start":
            return None
    if found is None:
        return None
    name, languages = found
    return Command(name, next(iter(languages)) if len(languages) == 1 else None, office)


ANSWERS = {"stop": STOPPED, "start": STARTED, "help": HELP}
