"""Checks NLU training and held-out files: counts per intent, duplicates, overlaps.

Usage: python scripts/check_nlu_data.py LANG [LANG ...]   (exit status 1 when a problem is found)
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from i18n.nlu_examples import read_examples  # noqa: E402

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


def check(language: str) -> list[str]:
    problems = []
    train = read_examples(ROOT / "bot" / "data" / "nlu" / f"{language}.yml")
    heldout_path = ROOT / "bench" / "nlu" / "heldout" / f"{language}.yml"
    heldout = read_examples(heldout_path) if heldout_path.exists() else {}
    seen: dict[str, str] = {}
    for name, data, minimum in (("train", train, MIN_TRAIN), ("heldout", heldout, MIN_HELDOUT)):
        for intent in CONTRACT:
            texts = data.get(intent, [])
            distinct = {t.casefold() for t in texts}
            print(f"{language} {name:8} {intent:26} {len(distinct):3}")
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
    return problems


if __name__ == "__main__":
    found = [problem for language in sys.argv[1:] for problem in check(language)]
    print("\n".join(found) or "no problems")
    sys.exit(1 if found else 0)
