"""Who may open what: every staff route x every role and anonymous; CSRF; logins."""

from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from api.staff import STAFF_ROUTERS
from core.db import utcnow
from staff.models import StaffSession
from staff.roles import Role
from staff.service import IDLE_TIMEOUT
from tests.support.staff import PASSWORD, StaffBrowser

A, C, W, R = Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER, Role.REGISTRATION_OFFICE
EVERYONE = {A, C, W, R}
# The designed matrix, written out: a new staff route fails the completeness test below
# until it is added here.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("GET", "/staff"): EVERYONE,
    ("GET", "/staff/"): EVERYONE,
    ("GET", "/staff/account"): EVERYONE,
    ("POST", "/staff/account/password"): EVERYONE,
    ("POST", "/staff/logout"): EVERYONE,
    ("GET", "/staff/calendar"): {W},
    ("GET", "/staff/bookings/{booking_id}"): {W},
    ("POST", "/staff/bookings/{booking_id}/attended"): {W},
    ("POST", "/staff/bookings/{booking_id}/no-show"): {W},
    ("POST", "/staff/bookings/{booking_id}/cancel"): {W},
    ("POST", "/staff/bookings/{booking_id}/hand-over"): {W},
    ("GET", "/staff/faq"): {A, C},
    ("GET", "/staff/faq/{key}/{language}"): {A, C},
    ("POST", "/staff/faq/{key}/{language}"): {A, C},
    ("GET", "/staff/office-hours"): {A, C},
    ("POST", "/staff/office-hours/hours"): {A, C},
    ("POST", "/staff/office-hours/hours/{hours_id}/delete"): {A, C},
    ("POST", "/staff/office-hours/closures"): {A, C},
    ("POST", "/staff/office-hours/closures/{closure_id}/delete"): {A, C},
    ("POST", "/staff/office-hours/absences"): {A, C},
    ("POST", "/staff/office-hours/absences/{absence_id}/delete"): {A, C},
    ("GET", "/staff/triage"): {A, C, W},
    ("POST", "/staff/triage/try"): {A, C, W},
    ("GET", "/staff/delivery"): {A, C},
    ("POST", "/staff/delivery/{message_id}/redrive"): {A, C},
    ("POST", "/staff/delivery/redrive-all"): {A, C},
    ("GET", "/staff/users"): {A},
    ("POST", "/staff/users"): {A},
    ("POST", "/staff/users/{user_id}"): {A},
    ("GET", "/staff/audit"): {A},
    ("GET", "/staff/figures"): {A, C},
    ("GET", "/staff/figures.csv"): {A, C},
    ("GET", "/staff/figures/report.pdf"): {A, C},
    ("GET", "/staff/qr"): {A, C, R},
    ("GET", "/staff/qr/{office}.svg"): {A, C, R},
    ("GET", "/staff/qr/{office}.png"): {A, C, R},
    ("GET", "/staff/qr/{office}/poster.pdf"): {A, C, R},
}
PUBLIC = {("GET", "/staff/login"), ("POST", "/staff/login")}
# Path parameters that name nothing: the permission is decided before the object is looked up.
NOWHERE = {"booking_id": "999999", "key": "faq_housing", "language": "de", "hours_id": "999999",
           "closure_id": "999999", "absence_id": "999999", "message_id": "999999",
           "user_id": "999999", "office": "buergerbuero-nirgendwo"}  # fmt: skip


def staff_routes() -> set[tuple[str, str]]:
    """Every route of the staff routers the app includes (api/main.py)."""
    return {
        (method, route.path)
        for router in STAFF_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }


def url_of(path: str) -> str:
    return path.format(**NOWHERE)


def test_every_staff_route_is_in_the_matrix():
    assert staff_routes() - PUBLIC == set(MATRIX)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_anonymous_visitors_are_sent_to_the_login_or_refused(browser, method, path):
    anonymous = browser()
    if method == "GET":
        response = anonymous.get(url_of(path))
        assert response.status_code == 303
        assert response.headers["location"].startswith("/staff/login?next=")
    else:
        assert anonymous.post(url_of(path), csrf=False).status_code == 401


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_reaches_exactly_its_routes(browser, users, role):
    member = browser(users[role])
    for (method, path), allowed in sorted(MATRIX.items()):
        if path == "/staff/logout":
            continue  # would end the session the loop goes on with
        url = url_of(path)
        response = member.get(url) if method == "GET" else member.post(url)
        if role in allowed:
            assert response.status_code not in (401, 403), (method, path, response.text[:200])
        else:
            assert response.status_code == 403, (method, path, response.status_code)


def test_a_form_without_the_csrf_token_is_refused(browser, users):
    admin = browser(users[A])
    response = admin.post("/staff/users", {"email": "x@kreis.example", "name": "X",
                          "role": "coordinator", "password": PASSWORD}, csrf=False)  # fmt: skip
    assert response.status_code == 403
    assert "CSRF" in response.text
    forged = admin.client.post("/staff/users", data={"csrf_token": "forged", "email": "x@k.de"})
    assert forged.status_code == 403
    assert "x@kreis.example" not in admin.get("/staff/users").text


def test_the_login_form_needs_its_own_token(app, users):
    outsider = StaffBrowser(app)
    response = outsider.client.post(
        "/staff/login", data={"email": users[A].email, "password": PASSWORD}
    )
    assert response.status_code == 403


def test_login_sets_a_strict_http_only_cookie_and_lands_on_the_role_home(app, users):
    member = StaffBrowser(app)
    response = member.login(users[W].email, PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/staff/calendar"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_wrong_password_is_refused_and_five_failures_lock_the_account(app, users):
    member = StaffBrowser(app)
    for _ in range(5):
        refused = member.login(users[C].email, "falsches-passwort-123")
        assert refused.status_code == 401 and "falsch" in refused.text
    locked = member.login(users[C].email, PASSWORD)
    assert locked.status_code == 429 and "15 Minuten" in locked.text
    # Another account is not affected.
    assert StaffBrowser(app).login(users[A].email, PASSWORD).status_code == 303


def test_failures_from_one_address_do_not_lock_the_colleague_out_everywhere(
    app, users, monkeypatch
):
    """Anyone who knows a staff member's e-mail could otherwise lock her out at will."""
    stranger = StaffBrowser(app, address="198.51.100.23")
    for _ in range(5):
        assert stranger.login(users[C].email, "falsches-passwort-123").status_code == 401
    assert stranger.login(users[C].email, PASSWORD).status_code == 429
    at_the_office = StaffBrowser(app, address="203.0.113.7")
    assert at_the_office.login(users[C].email, PASSWORD).status_code == 303
    # Guessing from many addresses still locks the account everywhere.
    monkeypatch.setattr("staff.service.MAX_FAILURES_PER_ACCOUNT", 8)
    for number in range(3):
        guesser = StaffBrowser(app, address=f"192.0.2.{number}")
        assert guesser.login(users[C].email, "falsches-passwort-123").status_code == 401
    assert (
        StaffBrowser(app, address="203.0.113.8").login(users[C].email, PASSWORD).status_code == 429
    )


def test_an_idle_session_expires(browser, users, session):
    member = browser(users[A])
    assert member.get("/staff/users").status_code == 200
    row = session.scalar(select(StaffSession).where(StaffSession.user_id == users[A].id))
    row.last_seen_at = utcnow() - IDLE_TIMEOUT - timedelta(minutes=1)
    session.commit()
    assert member.get("/staff/users").status_code == 303


def test_logout_ends_the_session(browser, users):
    member = browser(users[A])
    assert member.post("/staff/logout").status_code == 303
    assert member.get("/staff/users").status_code == 303


def test_a_deactivated_account_is_logged_out_at_once(browser, users):
    admin, coordinator = browser(users[A]), browser(users[C])
    assert coordinator.get("/staff/faq").status_code == 200
    response = admin.post(f"/staff/users/{users[C].id}", {"role": "coordinator"})
    assert response.status_code == 303
    assert coordinator.get("/staff/faq").status_code == 303
    assert StaffBrowser(admin.client.app).login(users[C].email, PASSWORD).status_code == 401


def test_the_login_never_redirects_off_site(app, users):
    member = StaffBrowser(app)
    page = member.client.get("/staff/login?next=https://evil.example/")
    assert "evil.example" not in page.text


def test_staff_pages_are_never_cached_or_framed(browser, users):
    page = browser(users[W]).get("/staff/calendar")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"
