"""Bot responses rendered in the conversation's language (the api's NLG endpoint uses this).

The Rasa domain holds each response's German source text; translations come from the catalogs.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

from i18n.catalogs import pgettext
from i18n.extract import BUTTON_CONTEXT


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class ResponseTemplate:
    text: str
    buttons: tuple[Button, ...]


@lru_cache(maxsize=4)
def load_responses(domain_path: Path) -> dict[str, ResponseTemplate]:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return {
        name: ResponseTemplate(
            text=variations[0].get("text", ""),
            buttons=tuple(
                Button(b["title"], b["payload"]) for b in variations[0].get("buttons") or []
            ),
        )
        for name, variations in (domain.get("responses") or {}).items()
    }


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field}


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: ResponseTemplate, name: str, language: str, variables: dict[str, Any]) -> dict:
    """Translate, then fill placeholders; an unknown placeholder stays visible, never crashes."""
    text = pgettext(language, name, template.text).format_map(_KeepMissing(variables))
    buttons = [
        {"title": pgettext(language, BUTTON_CONTEXT, b.title), "payload": b.payload}
        for b in template.buttons
    ]
    return {"text": text, "buttons": buttons}


def render_named(domain_path: Path, name: str, language: str, **variables: Any) -> dict:
    return render(load_responses(domain_path)[name], name, language, variables)
