"""The county's triage rules in readable German, and a form to try a case against them."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import CountyRowDep
from api.staff.deps import Staff, render, require
from intake.screening import FIELD_TITLES_DE, FIELDS, ScreeningConfig
from intake.service import triage_config
from intake.triage import OUTCOME_LABELS_DE, describe, triage

router = APIRouter(prefix="/staff/triage", tags=["staff"])
Reader = Annotated[Staff, Depends(require("triage.view"))]


def _fields(county) -> list[str]:  # type: ignore[no-untyped-def]
    """The questions this county asks (free text and the town play no part in rules)."""
    asked = ScreeningConfig.model_validate(county.screening or {}).fields
    return [f for f in asked if FIELDS[f][0] != "text"]


def _answers(form: dict[str, list[str]], fields: list[str]) -> dict[str, Any]:
    """Form values as the chat stores them: codes, lists of codes, numbers, dates."""
    answers: dict[str, Any] = {}
    for name in fields:
        kind = FIELDS[name][0]
        values = [v for v in form.get(name, []) if v]
        if kind == "multi":
            if values:
                answers[name] = [v for v in values if v in FIELDS[name][1]]
        elif not values:
            continue
        elif kind == "number" and values[0].isdigit():
            answers[name] = int(values[0])
        elif kind == "date":
            try:
                answers[name] = date.fromisoformat(values[0]).isoformat()
            except ValueError:
                continue
        elif kind == "choice" and values[0] in FIELDS[name][1]:
            answers[name] = values[0]
    return answers


def _page(request: Request, county, staff: Staff, **context: Any) -> HTMLResponse:  # type: ignore[no-untyped-def]
    config = triage_config(county)
    rules = [
        (rule, describe(rule.when), config.services.get(rule.service) if rule.service else None)
        for rule in config.rules
    ]
    return render(
        request,
        "triage.html",
        staff,
        rules=rules,
        outcomes=OUTCOME_LABELS_DE,
        fields=_fields(county),
        kinds={name: FIELDS[name] for name in FIELDS},
        titles=FIELD_TITLES_DE,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def rules_page(request: Request, county: CountyRowDep, staff: Reader) -> HTMLResponse:
    return _page(request, county, staff, tried=None, answers={})


@router.post("/try", response_class=HTMLResponse)
async def try_case(request: Request, county: CountyRowDep, staff: Reader) -> HTMLResponse:
    form = await request.form()
    fields = _fields(county)
    answers = _answers({name: [str(v) for v in form.getlist(name)] for name in fields}, fields)
    result = triage(triage_config(county), answers)
    return _page(request, county, staff, tried=result, answers=answers)
