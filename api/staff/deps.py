"""Who is logged in, what their role may do, and CSRF checks on every form."""

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from core.db import utcnow
from core.settings import Settings
from staff.models import StaffSession, StaffUser
from staff.roles import PERMISSIONS, ROLE_LABELS, allowed
from staff.service import resolve_session

SESSION_COOKIE = "kim_staff"
# Staff pages show personal data: never cached, never framed by another site.
STAFF_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


class NotLoggedIn(Exception):
    """Pages redirect to the login; forms and downloads answer 401 (see api.staff.auth)."""


@dataclass(frozen=True)
class Viewer:
    """What the page frame shows of the logged-in person; outlives the database session."""

    name: str
    role: str
    csrf_token: str


@dataclass
class Staff:
    user: StaffUser
    login: StaffSession

    @property
    def csrf_token(self) -> str:
        return self.login.csrf_token

    def may(self, permission: str) -> bool:
        return allowed(self.user.role, permission)

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.user.name, self.user.role, self.csrf_token)


def secure_cookies(settings: Settings) -> bool:
    """Secure cookies wherever the api is reached over HTTPS (always in production)."""
    return settings.environment == "production" or settings.base_url.startswith("https://")


def current_staff(request: Request, session: SessionDep) -> Staff:
    row = resolve_session(session, request.cookies.get(SESSION_COOKIE, ""), utcnow())
    if row is None:
        raise NotLoggedIn
    return Staff(row.user, row)


async def check_csrf(request: Request, expected: str) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    sent = str(form.get("csrf_token") or request.headers.get("X-CSRF-Token") or "")
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "CSRF-Token fehlt oder ist ungültig. Bitte die Seite neu laden.")


def require(permission: str) -> Any:
    """A dependency: the logged-in staff member if their role has `permission`; CSRF on forms."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    async def dependency(
        request: Request, staff: Annotated[Staff, Depends(current_staff)]
    ) -> Staff:
        if not staff.may(permission):
            raise HTTPException(403, "Ihre Rolle darf diese Seite nicht öffnen.")
        request.state.viewer = staff.viewer  # for error pages, after the session is gone
        await check_csrf(request, staff.csrf_token)
        return staff

    return dependency


def render(
    request: Request,
    template: str,
    staff: Staff | Viewer | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    viewer = staff.viewer if isinstance(staff, Staff) else staff
    nav = []
    if viewer:
        nav = [(url, label) for url, label, perm in NAVIGATION if allowed(viewer.role, perm)]
    return templates.TemplateResponse(
        request,
        f"staff/{template}",
        {
            "staff": staff,
            "viewer": viewer,
            "nav": nav,
            "role_labels": ROLE_LABELS,
            **context,
        },
        status_code=status_code,
        headers=STAFF_HEADERS,
    )


NAVIGATION = (
    ("/staff/calendar", "Kalender", "calendar"),
    ("/staff/figures", "Kennzahlen", "figures.view"),
    ("/staff/faq", "FAQ-Inhalte", "faq.curate"),
    ("/staff/office-hours", "Sprechstunden", "hours.edit"),
    ("/staff/triage", "Triage-Regeln", "triage.view"),
    ("/staff/delivery", "Übergabe", "delivery.manage"),
    ("/staff/qr", "QR-Codes", "qr.make"),
    ("/staff/users", "Konten", "users.manage"),
    ("/staff/audit", "Protokoll", "audit.view"),
    ("/staff/account", "Mein Konto", "account"),
)
