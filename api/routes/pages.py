"""Pages residents open in a browser."""

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import CountyContext, CountyDep, CountyRowDep, SettingsDep
from core.settings import Settings
from i18n.catalogs import N_, gettext
from i18n.languages import LANGUAGES
from i18n.negotiate import negotiate

router = APIRouter(tags=["pages"])
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def page_language(request: Request, county: CountyContext, lang: str | None) -> str:
    """The asked-for language if the county offers it, else the browser's, else the default."""
    if lang in county.languages:
        return lang
    return negotiate(
        request.headers.get("accept-language"), county.languages, county.default_language
    )


# The widget's launcher and iframe carry the chat page's title; this closes the panel.
WIDGET_TITLE = N_("Fragen und Termine")
WIDGET_CLOSE = N_("Chat schließen")

# Any value is accepted and checked here: an unknown or malformed `src` is ignored, not refused.
Source = Annotated[str | None, Query()]


def _query(**params: str | None) -> str:
    """A query string of the parameters that are set, in the order given."""
    return urlencode({key: value for key, value in params.items() if value})


def resident_page(
    request: Request, template: str, county: CountyContext, lang: str, **context: object
) -> HTMLResponse:
    """A page in the resident's language: its texts, direction and the language picker."""
    return templates.TemplateResponse(
        request,
        template,
        {
            "_": lambda message, **kw: gettext(lang, message, **kw),
            "lang": LANGUAGES[lang],
            "languages": [LANGUAGES[code] for code in county.languages],
            "county_name": county.name,
            **context,
        },
    )


@router.get("/", response_class=HTMLResponse)
def chat_page(
    request: Request,
    county: CountyDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    src: Source = None,
    embed: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """The chat. `src` (a registration office) is sent with every message as its `source`;
    `embed=1` is the compact layout inside the county website's widget (static/embed.js)."""
    lang = page_language(request, county, lang)
    source = county.office(src)  # only a known office counts
    embedded = embed == "1"
    return resident_page(
        request,
        "chat.html",
        county,
        lang,
        max_chars=settings.chat_max_chars,
        embedded=embedded,
        link_query=lambda code: _query(lang=code, src=source, embed="1" if embedded else None),
        config={
            "language": lang,
            "directions": {code: LANGUAGES[code].direction for code in county.languages},
            "source": source,
            "embedded": embedded,
        },
    )


def whatsapp_link(settings: Settings, source: str | None) -> str | None:
    """wa.me with the first message written for the resident: START and the office."""
    number = re.sub(r"\D", "", settings.whatsapp_number)
    if not number:
        return None
    return f"https://wa.me/{number}?text=" + quote(f"START {source}" if source else "START")


def telegram_link(settings: Settings, source: str | None) -> str | None:
    """t.me opens the bot; `start` arrives as "/start <office>" with the first message."""
    name = settings.telegram_bot_username.strip().lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_]{3,64}", name):
        return None
    return f"https://t.me/{name}" + (f"?start={source}" if source else "")


@router.get("/start", response_class=HTMLResponse)
def start_page(
    request: Request,
    county: CountyDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    src: Source = None,
) -> HTMLResponse:
    """The front door behind the QR poster: pick a language, then a way to chat."""
    lang = page_language(request, county, lang)
    source = county.office(src)  # only a known office counts
    return resident_page(
        request,
        "start.html",
        county,
        lang,
        link_query=lambda code: _query(lang=code, src=source),
        chat_url="/?" + _query(lang=lang, src=source),
        whatsapp_url=whatsapp_link(settings, source),
        telegram_url=telegram_link(settings, source),
        privacy_url="/privacy?" + _query(lang=lang),
    )


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(
    request: Request,
    county: CountyDep,
    county_row: CountyRowDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    """The full privacy notice, linked from the consent question, in every enabled language."""
    lang = page_language(request, county, lang)
    return resident_page(request, "privacy.html", county, lang, contact=county_row.contact or {})


@router.get("/embed.js", include_in_schema=False)
def embed_script(county: CountyDep, settings: SettingsDep) -> Response:
    """The widget for the county's website (one script tag, see README), with its two labels in
    every enabled language: the visitor's language is only known in their browser."""
    labels = {
        code: {
            "open": gettext(code, WIDGET_TITLE),
            "close": gettext(code, WIDGET_CLOSE),
            "dir": LANGUAGES[code].direction,
        }
        for code in county.languages
    }
    script = templates.get_template("embed.js").render(
        labels=labels, default_language=county.default_language, base_url=settings.base_url
    )
    return Response(
        script,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
