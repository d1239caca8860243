"""Train the Rasa model when it is missing or its inputs changed; otherwise do nothing.

The model file is named after a hash of everything it is trained from (config, domain,
training data), so "stale" means "no model for these exact inputs", not a guess from mtimes.
Usage: python scripts/train_model.py [--print-path]
"""

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
MODELS = BOT / "models"
# Rasa with the project's speed fixes (bot/serve.py), which also apply to training.
RASA = [str(BOT / ".venv" / "bin" / "python"), "-m", "bot.serve"]


def training_inputs() -> list[Path]:
    return [
        BOT / "config.yml",
        BOT / "components.py",  # the custom NLU components the config names
        BOT / "domain.yml",
        *sorted((BOT / "data").rglob("*.yml")),
    ]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in training_inputs():
        digest.update(str(path.relative_to(BOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def current_model() -> Path:
    return MODELS / f"kim-{fingerprint()}.tar.gz"


def bot_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The bot environment's process variables: offline (no telemetry), quiet TensorFlow, Rasa's
    cache under var/, and no PYTHONPATH, so the app's packages (`api`, `core`, ...) never shadow
    anything Rasa imports; `actions` is found from the project root, the working directory."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k != "PYTHONPATH"}
    return env | {
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_CACHE_DIRECTORY": str(ROOT / "var" / "rasa-cache"),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def train_command(config: Path, out: Path, name: str) -> list[str]:
    """`rasa train` as the project runs it; bench/nlu.py trains its candidates the same way."""
    return [
        *RASA, "train", "--config", str(config),
        "--domain", str(BOT / "domain.yml"), "--data", str(BOT / "data"),
        "--out", str(out), "--fixed-model-name", name,
        # The data is validated by tests/bot (`rasa data validate`); here it cost ~20 s.
        "--skip-validation",
        # Trained only when an input changed (fingerprint() above): nothing to reuse, so
        # Rasa's run that fingerprints the whole graph to look for cached parts is skipped.
        "--force",
    ]  # fmt: skip


def train() -> Path:
    model = current_model()
    if model.exists():
        print(f"model is current: {model.relative_to(ROOT)}")
        return model
    if not Path(RASA[0]).exists():
        sys.exit("bot/.venv is missing: run `make install` first")
    MODELS.mkdir(exist_ok=True)
    print(f"training {model.relative_to(ROOT)} ...", flush=True)
    started = time.perf_counter()
    name = model.name.removesuffix(".tar.gz")
    subprocess.run(
        train_command(BOT / "config.yml", MODELS, name), cwd=ROOT, env=bot_env(), check=True
    )
    print(f"trained in {time.perf_counter() - started:.0f} s", flush=True)
    for old in MODELS.glob("kim-*.tar.gz"):
        if old != model:
            old.unlink()
    return model


if __name__ == "__main__":
    path = train()
    if "--print-path" in sys.argv:
        print(path)
