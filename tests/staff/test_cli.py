"""The commands that start the staff side: the first admin, and demo logins for `make run`."""

import pytest
from sqlalchemy import delete, select

from api.cli import main
from staff.models import AuditEntry, StaffSession, StaffUser
from tests.support.staff import StaffBrowser


@pytest.fixture
def no_staff(session):  # type: ignore[no-untyped-def]
    """demo-staff only acts on an empty account table; other tests' accounts are removed."""
    for model in (AuditEntry, StaffSession, StaffUser):
        session.execute(delete(model))
    session.commit()


def test_create_admin_takes_the_password_from_the_environment(monkeypatch, session, app):
    monkeypatch.setenv("KIM_ADMIN_PASSWORD", "ein-sehr-langes-passwort")
    main(["create-admin", "Chefin@Kreis-Hoexter.example", "--name", "Chefin"])
    user = session.scalar(
        select(StaffUser).where(StaffUser.email == "chefin@kreis-hoexter.example")
    )
    assert user.role == "admin"
    browser = StaffBrowser(app)
    assert (
        browser.login(user.email, "ein-sehr-langes-passwort").headers["location"] == "/staff/users"
    )


def test_create_admin_refuses_a_short_password(monkeypatch):
    monkeypatch.setenv("KIM_ADMIN_PASSWORD", "kurz")
    with pytest.raises(SystemExit, match="mindestens 12 Zeichen"):
        main(["create-admin", "kurz@kreis.example"])


def test_demo_staff_writes_one_working_login_per_role_once(
    no_staff, settings, session, app, capsys
):
    main(["demo-staff"])
    logins = (settings.var_dir / "demo-staff.txt").read_text().split("\n")
    rows = [line.split() for line in logins if line]
    assert sorted(role for role, _, _ in rows) == sorted(
        ["admin", "coordinator", "caseworker", "registration_office"]
    )
    role, email, password = next(row for row in rows if row[0] == "caseworker")
    assert StaffBrowser(app).login(email, password).headers["location"] == "/staff/calendar"
    main(["demo-staff"])  # a second run keeps the accounts and their passwords
    assert (settings.var_dir / "demo-staff.txt").read_text().split("\n") == logins
    assert session.scalar(select(StaffUser).where(StaffUser.email == email)).case_manager_id


def test_make_run_leaves_a_loaded_county_to_its_editors(county, capsys):
    main(["load-county", "hoexter", "--if-missing"])
    assert "already loaded" in capsys.readouterr().out
