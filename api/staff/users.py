"""Accounts and roles (admins), and the audit log of what staff read and changed."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from api.deps import CountyRowDep, SessionDep
from api.staff.deps import Staff, render, require
from core.db import utcnow
from scheduler.models import CaseManager
from staff.models import AuditEntry, StaffUser
from staff.roles import ROLE_LABELS, Role
from staff.service import AccountError, create_user, update_user
from staff.service import audit as write_audit

router = APIRouter(prefix="/staff", tags=["staff"])
Admin = Annotated[Staff, Depends(require("users.manage"))]
Auditor = Annotated[Staff, Depends(require("audit.view"))]
AUDIT_PAGE = 200


def _managers(session, county_id: int) -> list[CaseManager]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            select(CaseManager).where(CaseManager.county_id == county_id).order_by(CaseManager.name)
        )
    )


def _users_page(request, session, county, staff, status: int = 200, **context):  # type: ignore[no-untyped-def]
    return render(
        request,
        "users.html",
        staff,
        status,
        users=session.scalars(select(StaffUser).order_by(StaffUser.email)).all(),
        managers=_managers(session, county.id),
        roles=list(Role),
        role_labels=ROLE_LABELS,
        **context,
    )


@router.get("/users", response_class=HTMLResponse)
def users(
    request: Request, session: SessionDep, county: CountyRowDep, staff: Admin, notice: str = ""
) -> HTMLResponse:
    return _users_page(request, session, county, staff, notice=notice)


@router.post("/users")
def add_user(
    request: Request,
    session: SessionDep,
    county: CountyRowDep,
    staff: Admin,
    email: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
    password: Annotated[str, Form(max_length=200)],
    case_manager_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = create_user(
            session, email=email, name=name, role=role, password=password,
            case_manager_id=int(case_manager_id) if case_manager_id else None,
        )  # fmt: skip
    except AccountError as error:
        return _users_page(request, session, county, staff, 400, error=str(error))
    write_audit(session, staff.user, "user.create", utcnow(), "staff_user", user.id, user.role)
    query = urlencode({"notice": f"Konto {user.email} angelegt."})
    return RedirectResponse(f"/staff/users?{query}", status_code=303)


@router.post("/users/{user_id}")
def change_user(
    request: Request,
    user_id: int,
    session: SessionDep,
    county: CountyRowDep,
    staff: Admin,
    role: Annotated[str, Form(max_length=32)],
    active: Annotated[str, Form()] = "",
    case_manager_id: Annotated[str, Form()] = "",
) -> Response:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise HTTPException(404, "Dieses Konto gibt es nicht.")
    if user.id == staff.user.id and (role != Role.ADMIN or not active):
        return _users_page(
            request, session, county, staff, 400,
            error="Das eigene Admin-Konto kann man nicht abschalten oder herabstufen.",
        )  # fmt: skip
    try:
        update_user(
            session, user, role=role, active=bool(active),
            case_manager_id=int(case_manager_id) if case_manager_id else None,
        )  # fmt: skip
    except AccountError as error:
        return _users_page(request, session, county, staff, 400, error=str(error))
    write_audit(
        session, staff.user, "user.update", utcnow(), "staff_user", user.id,
        f"{user.role}, {'aktiv' if user.active else 'gesperrt'}",
    )  # fmt: skip
    query = urlencode({"notice": f"Konto {user.email} gespeichert."})
    return RedirectResponse(f"/staff/users?{query}", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request, session: SessionDep, staff: Auditor, action: str = "", user: str = ""
) -> HTMLResponse:
    query = (
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(AUDIT_PAGE)
    )
    if action:
        query = query.where(AuditEntry.action == action)
    if user:
        query = query.where(AuditEntry.user_email == user.strip().lower())
    actions = session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ).all()
    return render(
        request,
        "audit.html",
        staff,
        entries=session.scalars(query).all(),
        actions=actions,
        action=action,
        user=user,
        page=AUDIT_PAGE,
    )
