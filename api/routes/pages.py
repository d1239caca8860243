"""Pages residents open in a browser."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import CountyContext, CountyDep, CountyRowDep, SettingsDep
from i18n.catalogs import gettext
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


@router.get("/", response_class=HTMLResponse)
def chat_page(
    request: Request,
    county: CountyDep,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> HTMLResponse:
    lang = page_language(request, county, lang)
    language = LANGUAGES[lang]
    offered = [LANGUAGES[code] for code in county.languages]
    return templates.TemplateResponse(
        request,
        "chat.html",
        {
            "_": lambda message, **kw: gettext(lang, message, **kw),
            "lang": language,
            "languages": offered,
            "county_name": county.name,
            "max_chars": settings.chat_max_chars,
            "config": {
                "language": lang,
                "directions": {code.code: code.direction for code in offered},
            },
        },
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
    return templates.TemplateResponse(
        request,
        "privacy.html",
        {
            "_": lambda message, **kw: gettext(lang, message, **kw),
            "lang": LANGUAGES[lang],
            "languages": [LANGUAGES[code] for code in county.languages],
            "county_name": county.name,
            "contact": county_row.contact or {},
        },
    )
