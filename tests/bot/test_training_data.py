"""The bot's domain, rules and training data are consistent, and every language is trained."""

import os
import subprocess

import pytest
import yaml

from core.settings import PROJECT_ROOT
from scheduler.schemas import read_county_config

BOT = PROJECT_ROOT / "bot"
MIN_EXAMPLES = 20


def domain_intents() -> list[str]:
    return yaml.safe_load((BOT / "domain.yml").read_text())["intents"]


def examples(language: str) -> dict[str, list[str]]:
    data = yaml.safe_load((BOT / "data" / "nlu" / f"{language}.yml").read_text())
    return {
        item["intent"]: [
            line[2:] for line in item["examples"].splitlines() if line.startswith("- ")
        ]
        for item in data["nlu"]
        if "intent" in item
    }


def trained_languages() -> list[str]:
    codes: set[str] = set()
    for path in (PROJECT_ROOT / "config" / "counties").glob("*.yml"):
        codes.update(read_county_config(path).languages)
    return sorted(codes)


def test_rasa_data_validate_passes():
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["RASA_TELEMETRY_ENABLED"] = "false"
    result = subprocess.run(
        [
            str(BOT / ".venv" / "bin" / "rasa"),
            "data",
            "validate",
            "--fail-on-warnings",
            "--domain",
            str(BOT / "domain.yml"),
            "--data",
            str(BOT / "data"),
            "--config",
            str(BOT / "config.yml"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.parametrize("language", trained_languages())
def test_every_intent_has_enough_distinct_examples(language):
    found = examples(language)
    for intent in domain_intents():
        distinct = {text.casefold() for text in found.get(intent, [])}
        assert len(distinct) >= MIN_EXAMPLES, f"{language}/{intent}: {len(distinct)} examples"


def test_no_example_is_labelled_with_two_intents():
    seen: dict[str, str] = {}
    for language in trained_languages():
        for intent, texts in examples(language).items():
            for text in texts:
                key = text.casefold().strip()
                assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} vs {intent}"
