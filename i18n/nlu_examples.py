"""Reading Rasa NLU example files (bot/data/nlu/<lang>.yml, bench/nlu/heldout*/<lang>.yml)."""

from pathlib import Path

import yaml

# The held-out splits under bench/nlu/ that measure the model (make bench-nlu), each written
# by other hands and never trained on: "heldout" with the training data's first version,
# "heldout-b" later by writers who saw neither the training data nor the first split.
_ROOT = Path(__file__).resolve().parent.parent
TRAINING_DIR = _ROOT / "bot" / "data" / "nlu"
HELDOUT_SPLITS = ("heldout", "heldout-b")
HELDOUT_DIRS = {split: _ROOT / "bench" / "nlu" / split for split in HELDOUT_SPLITS}


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
