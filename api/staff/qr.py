"""QR codes and posters for the registration offices (Bürgerbüro, Einwohnermeldeamt).

One code per office, pointing to `/start?src=<office>`: the start page offers every language and
preselects the phone's, so the languages chosen here only decide the greetings on the poster.
"""

from ipaddress import ip_address
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from api.deps import CountyRowDep, SettingsDep
from api.staff.deps import Staff, render, require
from api.staff.posters import poster_pdf, printed_link, qr_png, qr_svg, qr_svg_inline, start_url
from i18n.languages import LANGUAGES
from scheduler.models import County

router = APIRouter(prefix="/staff", tags=["staff"])
Maker = Annotated[Staff, Depends(require("qr.make"))]
Languages = Annotated[list[str], Query(alias="lang")]
NO_STORE = {"Cache-Control": "no-store"}


def _office(county: County, key: str) -> dict:
    office = county.office(key)
    if office is None:
        raise HTTPException(404, "Dieses Bürgerbüro gibt es in der Kreis-Konfiguration nicht.")
    return office


def _chosen(county: County, asked: list[str]) -> list[str]:
    """The asked languages the county offers, in the county's order; none asked: all."""
    if not asked:
        return county.languages
    return [code for code in county.languages if code in asked]


def _local_only(base_url: str) -> bool:
    """True when the public URL is this computer: such a code works nowhere else."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback or ip_address(host).is_private
    except ValueError:
        return False


@router.get("/qr", response_class=HTMLResponse)
def qr_page(
    request: Request,
    county: CountyRowDep,
    settings: SettingsDep,
    staff: Maker,
    office: str = "",
    lang: Languages = [],  # noqa: B006 (FastAPI copies the default)
    shown: str = "",
) -> HTMLResponse:
    offices = county.offices or []
    error = ""
    current = county.office(office) if office else (offices[0] if offices else None)
    if office and current is None:
        current = offices[0] if offices else None
        error = "Dieses Bürgerbüro gibt es nicht: das erste der Liste wird gezeigt."
    chosen = _chosen(county, lang)
    if shown and not lang:
        chosen, error = [], "Bitte mindestens eine Sprache für das Plakat wählen."
    context: dict = {}
    if current is not None:
        url = start_url(settings.base_url, current["key"])
        base = f"/staff/qr/{current['key']}"
        context = {
            "url": url,
            "link": printed_link(url),
            "svg": Markup(qr_svg_inline(url, f"QR-Code für {current['name']}: {url}")),
            "svg_url": f"{base}.svg",
            "png_url": f"{base}.png",
            "pdf_url": f"{base}/poster.pdf?" + urlencode([("lang", code) for code in chosen])
            if chosen
            else "",
        }
    return render(
        request,
        "qr.html",
        staff,
        offices=offices,
        current=current,
        languages=[LANGUAGES[code] for code in county.languages],
        chosen=chosen,
        local_only=_local_only(settings.base_url),
        base_url=settings.base_url,
        error=error,
        **context,
    )


@router.get("/qr/{office}.svg")
def qr_svg_file(office: str, county: CountyRowDep, settings: SettingsDep, staff: Maker) -> Response:
    place = _office(county, office)
    return Response(
        qr_svg(start_url(settings.base_url, place["key"])),
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'attachment; filename="kim-qr-{place["key"]}.svg"'},
    )


@router.get("/qr/{office}.png")
def qr_png_file(office: str, county: CountyRowDep, settings: SettingsDep, staff: Maker) -> Response:
    place = _office(county, office)
    return Response(
        qr_png(start_url(settings.base_url, place["key"])),
        media_type="image/png",
        headers={"Content-Disposition": f'attachment; filename="kim-qr-{place["key"]}.png"'},
    )


@router.get("/qr/{office}/poster.pdf")
def poster(
    office: str,
    county: CountyRowDep,
    settings: SettingsDep,
    staff: Maker,
    lang: Languages = [],  # noqa: B006 (FastAPI copies the default)
) -> Response:
    place = _office(county, office)
    chosen = _chosen(county, lang)
    if not chosen:
        raise HTTPException(400, "Bitte mindestens eine Sprache wählen, die der Kreis anbietet.")
    pdf = poster_pdf(
        url=start_url(settings.base_url, place["key"]),
        languages=chosen,
        county_name=county.name,
        office_name=place["name"],
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="kim-plakat-{place["key"]}.pdf"',
            **NO_STORE,
        },
    )
