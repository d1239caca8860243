"""The coordination office's key figures: the page, the CSV export and the yearly PDF report."""

from datetime import date
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from api.deps import CountyRowDep, SessionDep
from api.staff.deps import Staff, render, require
from core.db import utcnow
from reports.figures import (
    MUNICIPALITY_FILTER_NOTE,
    PROTECTION_NOTE,
    Filters,
    cards,
    chart_svg,
    compute,
    default_filters,
    municipalities,
    period_text,
    report_pdf,
    sections,
    to_csv,
    year_filters,
)
from scheduler.models import County
from staff.service import audit

router = APIRouter(prefix="/staff", tags=["staff"])
View = Annotated[Staff, Depends(require("figures.view"))]
FromDate = Annotated[str, Query(alias="from")]
FIRST_YEAR = 2020
NO_STORE = {"Cache-Control": "no-store"}


def _filters(
    session: Session, county: County, start: str, end: str, municipality: str
) -> tuple[Filters, str]:
    """The filters from the query string; anything unreadable falls back, with a message."""
    default = default_filters(county, utcnow())
    errors = []
    try:
        first = date.fromisoformat(start) if start else default.start
    except ValueError:
        first, errors = default.start, [*errors, "Das Startdatum ist kein Datum."]
    try:
        last = date.fromisoformat(end) if end else default.end
    except ValueError:
        last, errors = default.end, [*errors, "Das Enddatum ist kein Datum."]
    if first > last:
        first, last = last, first
        errors.append("Start und Ende waren vertauscht.")
    place = None
    if municipality:
        place = next((m for m in municipalities(session, county) if m.slug == municipality), None)
        if place is None:
            errors.append("Diese Gemeinde gibt es nicht: es werden alle Gemeinden gezeigt.")
    return Filters(first, last, place), " ".join(errors)


def _query(filters: Filters) -> str:
    return urlencode(
        {
            "from": filters.start.isoformat(),
            "to": filters.end.isoformat(),
            "municipality": filters.municipality.slug if filters.municipality else "",
        }
    )


def chosen_filters(
    session: SessionDep,
    county: CountyRowDep,
    start: FromDate = "",
    to: str = "",
    municipality: str = "",
) -> tuple[Filters, str]:
    return _filters(session, county, start, to, municipality)


FiltersDep = Annotated[tuple[Filters, str], Depends(chosen_filters)]


@router.get("/figures", response_class=HTMLResponse)
def figures_page(
    request: Request, session: SessionDep, county: CountyRowDep, staff: View, chosen: FiltersDep
) -> HTMLResponse:
    filters, error = chosen
    figures = compute(session, county, filters)
    parts = sections(figures)
    charts = {
        panel.chart.key: Markup(chart_svg(panel.chart))  # matplotlib escapes every label
        for section in parts
        for panel in section.panels
        if panel.chart is not None
    }
    this_year = utcnow().astimezone(ZoneInfo(county.timezone)).year
    return render(
        request,
        "figures.html",
        staff,
        figures=figures,
        sections=parts,
        cards=cards(figures),
        charts=charts,
        period=period_text(filters),
        municipalities=municipalities(session, county),
        csv_url=f"/staff/figures.csv?{_query(filters)}",
        report_year=filters.end.year if FIRST_YEAR <= filters.end.year <= this_year else this_year,
        first_year=FIRST_YEAR,
        this_year=this_year,
        protection_note=PROTECTION_NOTE,
        municipality_note=MUNICIPALITY_FILTER_NOTE,
        error=error,
    )


@router.get("/figures.csv")
def figures_csv(
    session: SessionDep, county: CountyRowDep, staff: View, chosen: FiltersDep
) -> Response:
    filters, _ = chosen
    figures = compute(session, county, filters)
    place = f"-{filters.municipality.slug}" if filters.municipality else ""
    audit(session, staff.user, "figures.export_csv", utcnow(), detail=period_text(filters) + place)
    name = f"kim-kennzahlen-{filters.start.isoformat()}-bis-{filters.end.isoformat()}{place}.csv"
    return Response(
        to_csv(figures, sections(figures)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


@router.get("/figures/report.pdf")
def figures_report(
    session: SessionDep, county: CountyRowDep, staff: View, year: int | None = None
) -> Response:
    today = utcnow().astimezone(ZoneInfo(county.timezone)).date()
    year = year or today.year
    if not FIRST_YEAR <= year <= today.year:
        raise HTTPException(400, f"Berichte gibt es für die Jahre {FIRST_YEAR} bis {today.year}.")
    figures = compute(session, county, year_filters(year))
    audit(session, staff.user, "figures.report_pdf", utcnow(), detail=str(year))
    return Response(
        report_pdf(figures, sections(figures), year, today),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="kim-jahresbericht-{year}.pdf"',
            **NO_STORE,
        },
    )
