"""Which writing system a text is in: Arabic, Cyrillic or Latin letters."""

import unicodedata


def _script_of(char: str) -> str | None:
    name = unicodedata.name(char, "")
    if name.startswith("ARABIC"):
        return "Arab"
    if name.startswith("CYRILLIC"):
        return "Cyrl"
    if name.startswith("LATIN"):
        return "Latn"
    return None


def dominant_script(text: str) -> str | None:
    counts: dict[str, int] = {}
    for char in text:
        if script := _script_of(char):
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None
