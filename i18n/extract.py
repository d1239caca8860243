"""Babel extractor for the Rasa domain: every response text and button title becomes a message.

The response name is the message context, so the same German sentence in two responses can be
translated differently; button titles share the context "button".
"""

from collections.abc import Iterator
from typing import IO, Any

import yaml

BUTTON_CONTEXT = "button"


def extract_rasa_domain(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    domain = yaml.safe_load(source) or {}

    def line_of(text: str) -> int:
        needle = text.splitlines()[0][:40]
        return next((i + 1 for i, line in enumerate(lines) if needle in line), 0)

    for name, variations in (domain.get("responses") or {}).items():
        for variation in variations:
            if text := variation.get("text"):
                yield line_of(text), "pgettext", (name, text), []
            for button in variation.get("buttons") or []:
                yield (
                    line_of(button["title"]),
                    "pgettext",
                    (BUTTON_CONTEXT, button["title"]),
                    [f"button in {name}"],
                )
