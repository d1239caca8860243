"""Login, logout and the own account page."""

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import SessionDep, SettingsDep
from api.staff.deps import (
    SESSION_COOKIE,
    NotLoggedIn,
    Staff,
    render,
    require,
    secure_cookies,
)
from core.db import utcnow
from staff.roles import HOME
from staff.service import (
    MAX_SESSION,
    AccountError,
    LoginLocked,
    LoginRefused,
    audit,
    authenticate,
    end_session,
    set_password,
    start_session,
)

router = APIRouter(prefix="/staff", tags=["staff"])
LOGIN_CSRF_COOKIE = "kim_login_csrf"


def _safe_next(next_url: str | None) -> str | None:
    """Only paths inside the staff area: never an open redirect."""
    if next_url and next_url.startswith("/staff/") and not next_url.startswith("//"):
        return next_url
    return None


def _login_page(request: Request, settings, error: str = "", status: int = 200, next_url=""):  # type: ignore[no-untyped-def]
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status_code=status,
        csrf_token=token,
        error=error,
        next_url=_safe_next(next_url) or "",
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(settings),
        path="/staff",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, settings: SettingsDep, next: str = "") -> HTMLResponse:
    return _login_page(request, settings, next_url=next)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        raise HTTPException(403, "CSRF-Token fehlt oder ist ungültig. Bitte die Seite neu laden.")
    now = utcnow()
    try:
        client = request.client.host if request.client else ""
        user = authenticate(session, email, password, now, client=client)
    except LoginLocked:
        session.commit()
        return _login_page(
            request,
            settings,
            "Zu viele Fehlversuche. Bitte warten Sie 15 Minuten.",
            status=429,
            next_url=next,
        )
    except LoginRefused:
        session.commit()  # the failed attempt counts even though we answer with an error
        return _login_page(
            request, settings, "E-Mail oder Passwort ist falsch.", status=401, next_url=next
        )
    token, _ = start_session(session, user, now)
    audit(session, user, "login", now)
    response = RedirectResponse(_safe_next(next) or HOME[user.role], status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(MAX_SESSION.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure_cookies(settings),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff")
    return response


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, staff: Annotated[Staff, Depends(require("account"))]
) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def staff_home(staff: Annotated[Staff, Depends(require("account"))]) -> Response:
    return RedirectResponse(HOME[staff.user.role], status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, staff: Annotated[Staff, Depends(require("account"))]) -> HTMLResponse:
    return render(request, "account.html", staff)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    staff: Annotated[Staff, Depends(require("account"))],
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
) -> Response:
    now = utcnow()
    try:
        authenticate(session, staff.user.email, current, now)
        set_password(session, staff.user, new)
    except (LoginRefused, LoginLocked):
        session.commit()
        return render(
            request, "account.html", staff, 400, error="Das bisherige Passwort stimmt nicht."
        )
    except AccountError as error:
        return render(request, "account.html", staff, 400, error=str(error))
    audit(session, staff.user, "password.change", now)
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def install(app: FastAPI) -> None:
    """Pages send people who are not logged in to the login; everything else gets 401."""

    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return RedirectResponse(f"/staff/login?next={target}", status_code=303)
        return JSONResponse({"error": "not_logged_in", "message": "Bitte anmelden."}, 401)

    @app.exception_handler(StarletteHTTPException)
    async def _staff_error_page(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/staff") and "text/html" in request.headers.get(
            "accept", ""
        ):
            viewer = getattr(request.state, "viewer", None)
            return render(request, "error.html", viewer, exc.status_code, message=exc.detail)
        return await http_exception_handler(request, exc)
