"""Staff members of every role for the demo county, made through the account service."""

import pytest
from sqlalchemy.orm import Session

from scheduler.models import County
from staff.models import StaffUser
from staff.roles import Role
from tests.support.staff import StaffBrowser, make_user, manager_with_hours


@pytest.fixture
def app(client):  # type: ignore[no-untyped-def]
    """The app, started once per module by the `client` fixture (county loaded)."""
    return client.app


@pytest.fixture
def users(session: Session, county: County) -> dict[str, StaffUser]:
    manager = manager_with_hours(session, county)
    return {
        Role.ADMIN: make_user(session, Role.ADMIN),
        Role.COORDINATOR: make_user(session, Role.COORDINATOR),
        Role.CASEWORKER: make_user(session, Role.CASEWORKER, manager),
        Role.REGISTRATION_OFFICE: make_user(session, Role.REGISTRATION_OFFICE),
    }


@pytest.fixture
def browser(app):  # type: ignore[no-untyped-def]
    """A browser for any user: browser(user) is logged in, browser() is anonymous."""
    return lambda user=None: StaffBrowser(app, user)
