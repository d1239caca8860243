"""Reading Rasa NLU example files (bot/data/nlu/<lang>.yml, bench/nlu/heldout/<lang>.yml)."""

from pathlib import Path

import yaml


def read_examples(path: Path) -> dict[str, list[str]]:
    """Intent -> its example texts, in file order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        item["intent"]: [
            line.strip()[2:].strip()
            for line in item.get("examples", "").splitlines()
            if line.strip().startswith("- ")
        ]
        for item in data["nlu"]
        if "intent" in item
    }
