"""The bot's domain, rules and training data are consistent, and every language is trained."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from core.settings import PROJECT_ROOT
from i18n.languages import LANGUAGES
from i18n.nlu_examples import HELDOUT_DIRS, TRAINING_DIR, read_examples
from scripts.train_model import bot_env

BOT = PROJECT_ROOT / "bot"
MIN_EXAMPLES = 20
# Intents that belong to no language: their examples live in one file of their own.
LANGUAGE_NEUTRAL = {"nonsense": TRAINING_DIR / "nonsense.yml"}
# Sent only by buttons (/inform{"booking_slot": ...}); text must never be classified as it.
BUTTON_ONLY = {"inform"}


def domain_intents() -> list[str]:
    return yaml.safe_load((BOT / "domain.yml").read_text())["intents"]


def examples(language: str, directory: Path = TRAINING_DIR) -> dict[str, list[str]]:
    return read_examples(directory / f"{language}.yml")


def trained_languages() -> list[str]:
    """Every language of the registry: one model serves every county's choice of languages."""
    return sorted(LANGUAGES)


def test_rasa_data_validate_passes():
    """No validator warning except what Rasa cannot see: responses that custom actions send,
    the forms' questions (utter_ask_<slot>) and the button-only intents."""
    result = subprocess.run(
        [
            str(BOT / ".venv" / "bin" / "rasa"), "data", "validate",
            "--domain", str(BOT / "domain.yml"), "--data", str(BOT / "data"),
            "--config", str(BOT / "config.yml"),
        ],
        cwd=PROJECT_ROOT, env=bot_env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    actions_source = "".join(p.read_text() for p in (PROJECT_ROOT / "actions").glob("*.py"))
    form_slots = {
        slot
        for form in yaml.safe_load((BOT / "domain.yml").read_text())["forms"].values()
        for slot in form["required_slots"]
    }
    warnings = re.findall(r"UserWarning: (.*)", result.stdout + result.stderr)
    unexpected = [
        warning
        for warning in warnings
        if not (
            (unused := re.match(r"The utterance '(\w+)' is not used in any story or rule", warning))
            and (
                f'"{unused.group(1)}"' in actions_source
                or unused.group(1).removeprefix("utter_ask_") in form_slots
            )
        )
        and not any(f"The intent '{intent}'" in warning for intent in BUTTON_ONLY)
    ]
    assert not unexpected, unexpected


@pytest.mark.parametrize("language", trained_languages())
def test_every_intent_has_enough_distinct_examples(language):
    found = examples(language)
    for intent in set(domain_intents()) - set(LANGUAGE_NEUTRAL) - BUTTON_ONLY:
        distinct = {text.casefold() for text in found.get(intent, [])}
        assert len(distinct) >= MIN_EXAMPLES, f"{language}/{intent}: {len(distinct)} examples"


@pytest.mark.parametrize("intent", sorted(LANGUAGE_NEUTRAL))
def test_language_neutral_intents_have_enough_examples(intent):
    path = LANGUAGE_NEUTRAL[intent]
    found = examples(path.stem, path.parent)
    assert len({text.casefold() for text in found.get(intent, [])}) >= MIN_EXAMPLES


def test_no_example_is_labelled_with_two_intents_or_also_held_out():
    """Held-out examples (bench/nlu/heldout*) measure the model: they must never be trained on."""
    seen: dict[str, str] = {}
    for language in trained_languages():
        for intent, texts in examples(language).items():
            for text in texts:
                key = text.casefold().strip()
                assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} vs {intent}"
    for language in trained_languages():
        for directory in HELDOUT_DIRS.values():
            for texts in examples(language, directory).values():
                for text in texts:
                    assert text.casefold().strip() not in seen, f"held-out {text!r} is trained on"
