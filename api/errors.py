"""Clear JSON errors in the resident's language.

Shape: `{"error": code, "message": text, "details": [{"field", "message"}]}`.
"""

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.deps import load_county_context
from core.settings import get_settings
from i18n.catalogs import N_, gettext
from i18n.negotiate import negotiate

INVALID_REQUEST = N_("Die Anfrage ist nicht gültig.")
_FIELD_MESSAGES = {
    "missing": N_("Das Feld „{field}“ fehlt."),
    "extra_forbidden": N_("Das Feld „{field}“ gibt es nicht."),
    "json_invalid": N_("Die Anfrage ist kein gültiges JSON."),
    "model_attributes_type": N_("Die Anfrage muss ein JSON-Objekt sein."),
    "string_type": N_("Das Feld „{field}“ muss Text sein."),
}
_FIELD_INVALID = N_("Das Feld „{field}“ ist nicht gültig.")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        self.status, self.code, self.message, self.field = status, code, message, field


def request_language(request: Request) -> str:
    """The language for an error when the body could not be read: the browser's, else default."""
    try:
        county = load_county_context(get_settings())
    except HTTPException:
        return negotiate(request.headers.get("accept-language"), ["de", "en"], "de")
    return negotiate(
        request.headers.get("accept-language"), county.languages, county.default_language
    )


def _error_body(code: str, message: str, details: list[dict]) -> dict:
    return {"error": code, "message": message, "details": details}


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    language = request_language(request)
    details = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        template = _FIELD_MESSAGES.get(error.get("type", ""), _FIELD_INVALID)
        details.append(
            {"field": field or None, "message": gettext(language, template, field=field)}
        )
    return JSONResponse(
        status_code=422,
        content=_error_body("invalid_request", gettext(language, INVALID_REQUEST), details),
    )


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    details = [{"field": exc.field, "message": exc.message}] if exc.field else []
    return JSONResponse(status_code=exc.status, content=_error_body(exc.code, exc.message, details))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
