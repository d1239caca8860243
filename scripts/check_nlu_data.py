"""Checks NLU training and held-out files: counts per intent, duplicates, overlaps.

Usage: python scripts/check_nlu_data.py LANG [LANG ...]   (exit status 1 when a problem is found)
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from i18n.nlu_examples import HELDOUT_DIRS, TRAINING_DIR, read_examples  # noqa: E402

CONTRACT = [
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "switch_language",
    "bot_challenge",
    "out_of_scope",
    "emergency",
    "request_human",
    "book_appointment",
    "cancel_appointment",
    "reschedule_appointment",
    "check_appointment",
    "delete_my_data",
    "faq_registration",
    "faq_residence",
    "faq_naturalisation",
    "faq_language_course",
    "faq_work",
    "faq_recognition",
    "faq_housing",
    "faq_health",
    "faq_school_childcare",
    "faq_benefits",
    "faq_family_reunification",
    "faq_counselling",
]
MIN_TRAIN, MIN_HELDOUT = 24, 6


def trained_anywhere() -> dict[str, str]:
    """Every training example of every language -> its file: a held-out line trained in
    another language's file is trained on too (German office words, "english please")."""
    return {
        text.casefold().strip(): f"{path.stem} train"
        for path in sorted(TRAINING_DIR.glob("*.yml"))
        for texts in read_examples(path).values()
        for text in texts
    }


def check(language: str, trained: dict[str, str]) -> list[str]:
    problems = []
    train = read_examples(TRAINING_DIR / f"{language}.yml")
    splits = [("train", train, MIN_TRAIN)]
    for split, directory in HELDOUT_DIRS.items():
        path = directory / f"{language}.yml"
        if path.exists():
            splits.append((split, read_examples(path), MIN_HELDOUT))
    seen: dict[str, str] = {}
    for name, data, minimum in splits:
        for intent in CONTRACT:
            texts = data.get(intent, [])
            distinct = {t.casefold() for t in texts}
            print(f"{language} {name:9} {intent:26} {len(distinct):3}")
            if len(distinct) < minimum:
                problems.append(f"{language} {name} {intent}: {len(distinct)} < {minimum}")
            if len(distinct) != len(texts):
                problems.append(f"{language} {name} {intent}: duplicate examples")
        for intent, texts in data.items():
            if intent not in CONTRACT:
                problems.append(f"{language} {name}: unknown intent {intent}")
            for text in texts:
                key = text.casefold()
                if key in seen and seen[key] != f"{name}:{intent}":
                    problems.append(f"{language}: {text!r} in {seen[key]} and {name}:{intent}")
                seen.setdefault(key, f"{name}:{intent}")
                if name != "train" and key.strip() in trained:
                    problems.append(f"{language} {name}: {text!r} is in {trained[key.strip()]}")
    return problems


if __name__ == "__main__":
    trained = trained_anywhere()
    found = [problem for language in sys.argv[1:] for problem in check(language, trained)]
    print("\n".join(found) or "no problems")
    sys.exit(1 if found else 0)
