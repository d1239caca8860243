"""`make bench-nlu`: compare NLU pipelines on the held-out split, and measure language ID.

For the shipped pipeline (bot/config.yml, reported as "shipped") and each candidate in
bench/nlu/pipelines/: train on bot/data (the held-out examples in
bench/nlu/heldout*/ are never trained on), parse every held-out message with the trained
model in Rasa itself, and print intent accuracy and macro-F1 per language for each split
(i18n/nlu_examples.py: HELDOUT_SPLITS) and both together, training time, model size and time
per message. Then language-ID accuracy of i18n/detect.py on the same
messages, for 1-3 word and 4+ word messages separately.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from i18n.detect import detect_language
from i18n.languages import LANGUAGES
from i18n.nlu_examples import HELDOUT_DIRS, HELDOUT_SPLITS, read_examples
from scripts.train_model import BOT, ROOT, bot_env, train_command

PIPELINES = ROOT / "bench" / "nlu" / "pipelines"
FALLBACK = "nlu_fallback"


def heldout() -> list[tuple[str, str, str, str]]:
    """(split, language, intent, text) for every held-out example."""
    return [
        (split, path.stem, intent, text)
        for split, directory in HELDOUT_DIRS.items()
        for path in sorted(directory.glob("*.yml"))
        for intent, texts in read_examples(path).items()
        for text in texts
    ]


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {gold for gold, _ in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def train(name: str, config: Path, out: Path) -> tuple[Path, float]:
    """A cold training run, as in a fresh clone: `train_command` reuses nothing from a cache."""
    started = time.perf_counter()
    subprocess.run(
        train_command(config, out, name), cwd=ROOT, env=bot_env(), check=True, capture_output=True
    )
    return out / f"{name}.tar.gz", time.perf_counter() - started


def parse(model: Path, texts: list[str], workdir: Path) -> list[dict]:
    source, target = workdir / "texts.json", workdir / "parsed.json"
    source.write_text(json.dumps(texts))
    subprocess.run(
        [str(BOT / ".venv" / "bin" / "python"), "-m", "bench.nlu_parse",
         str(model), str(source), str(target)],
        cwd=ROOT, env=bot_env(), check=True, capture_output=True,
    )  # fmt: skip
    return json.loads(target.read_text())


def report_pipeline(name: str, rows, parsed, seconds: float, model: Path) -> None:
    print(
        f"\n## {name}: trained in {seconds:.0f} s, model {model.stat().st_size / 1e6:.1f} MB, "
        f"{statistics.median(r['ms'] for r in parsed):.1f} ms per message (median)"
    )
    splits = [(split, {split}) for split in HELDOUT_SPLITS if any(r[0] == split for r in rows)]
    if len(splits) > 1:
        splits.append(("both splits", set(HELDOUT_SPLITS)))
    for title, chosen in splits:
        by_language: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for (split, language, intent, _), result in zip(rows, parsed, strict=True):
            if split in chosen:
                by_language[language].append((intent, result["intent"]))
        print(f"\n### {title}")
        report_languages(by_language)


def report_languages(by_language: dict[str, list[tuple[str, str]]]) -> None:
    print(f"{'language':10} {'n':>5} {'accuracy':>9} {'macro-F1':>9} {'fallback':>9}")
    f1s = []
    for language in sorted(by_language):
        pairs = by_language[language]
        accuracy = sum(g == p for g, p in pairs) / len(pairs)
        f1 = macro_f1(pairs)
        f1s.append(f1)
        fallback = sum(p == FALLBACK for _, p in pairs) / len(pairs)
        print(f"{language:10} {len(pairs):5d} {accuracy:9.3f} {f1:9.3f} {fallback:9.3f}")
    everything = [pair for pairs in by_language.values() for pair in pairs]
    accuracy = sum(g == p for g, p in everything) / len(everything)
    print(
        f"{'all':10} {len(everything):5d} {accuracy:9.3f} {statistics.mean(f1s):9.3f} "
        "(macro-F1: mean over languages)"
    )


def report_language_id(rows) -> None:
    enabled = list(LANGUAGES)
    buckets: dict[str, list[bool]] = defaultdict(list)
    per_language: dict[str, list[bool]] = defaultdict(list)
    for _, language, _, text in rows:
        detection = detect_language(text, enabled)
        correct = detection is not None and detection.language == language
        bucket = "1-3 words" if len(text.split()) <= 3 else "4+ words"
        buckets[bucket].append(correct)
        per_language[language].append(correct)
    print("\n## Language ID (i18n/detect.py, all 12 languages enabled)")
    for bucket, results in sorted(buckets.items()):
        print(f"{bucket:10} n={len(results):5d} accuracy {sum(results) / len(results):.3f}")
    print("per language: " + ", ".join(
        f"{lang} {sum(r) / len(r):.2f}" for lang, r in sorted(per_language.items())
    ))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "pipelines", nargs="*", help="'shipped' or names in bench/nlu/pipelines (default: all)"
    )
    args = parser.parse_args()
    candidates = {"shipped": BOT / "config.yml"} | {p.stem: p for p in PIPELINES.glob("*.yml")}
    configs = [candidates[name] for name in args.pipelines or candidates]
    rows = heldout()
    print(
        f"held-out: {len(rows)} messages in {len({r[1] for r in rows})} languages, "
        f"splits {', '.join(sorted({r[0] for r in rows}))}; cores: {os.cpu_count()}"
    )
    with tempfile.TemporaryDirectory(prefix="kim-bench-nlu-") as tmp:
        workdir = Path(tmp)
        for name, config in zip(args.pipelines or candidates, configs, strict=True):
            model, seconds = train(name, config, workdir)
            parsed = parse(model, [text for *_, text in rows], workdir)
            report_pipeline(name, rows, parsed, seconds, model)
    report_language_id(rows)


if __name__ == "__main__":
    main()
