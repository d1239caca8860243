"""The role matrix: which role may do what. Every staff route names one permission."""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CASEWORKER = "caseworker"
    REGISTRATION_OFFICE = "registration_office"


ROLE_LABELS = {
    Role.ADMIN: "Administration",
    Role.COORDINATOR: "Koordinierungsstelle",
    Role.CASEWORKER: "Case Management",
    Role.REGISTRATION_OFFICE: "Einwohnermeldeamt",
}

# Least privilege: pre-intake records are read by caseworkers only (their own locations);
# the coordination office sees aggregates and delivery states, never record contents.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "calendar": frozenset({Role.CASEWORKER}),
    "records.read": frozenset({Role.CASEWORKER}),
    "bookings.manage": frozenset({Role.CASEWORKER}),
    "faq.curate": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "hours.edit": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "triage.view": frozenset({Role.ADMIN, Role.COORDINATOR, Role.CASEWORKER}),
    "delivery.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "figures.view": frozenset({Role.ADMIN, Role.COORDINATOR}),
    "users.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    # QR codes and posters for the registration offices (api/staff/qr.py).
    "qr.make": frozenset({Role.REGISTRATION_OFFICE, Role.COORDINATOR, Role.ADMIN}),
    "account": frozenset(Role),
}

# Where each role lands after logging in.
HOME = {
    Role.ADMIN: "/staff/users",
    Role.COORDINATOR: "/staff/figures",
    Role.CASEWORKER: "/staff/calendar",
    Role.REGISTRATION_OFFICE: "/staff/qr",
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]
