"""Published contracts: the pre-intake record's JSON Schema, for case-system integrators."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from intake.record import SCHEMA

router = APIRouter(tags=["contracts"])


@router.get("/api/v1/schemas/pre-intake.json")
def pre_intake_schema() -> JSONResponse:
    return JSONResponse(SCHEMA, media_type="application/schema+json")
