from i18n.languages import LANGUAGES


def negotiate(accept_language: str | None, enabled: list[str], default: str) -> str:
    """The first enabled language a browser asks for (Accept-Language), else the default."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.split("-")[0].lower()))
    for _, _, code in sorted(ranked):
        if code in enabled and code in LANGUAGES:
            return code
    return default
