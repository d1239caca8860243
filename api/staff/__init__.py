"""Staff pages: caseworkers, the coordination office, admins (German, server-rendered)."""

from api.staff import auth, caseworker, curation, delivery, figures, hours, qr, triage, users

STAFF_ROUTERS = [
    auth.router,
    caseworker.router,
    curation.router,
    hours.router,
    triage.router,
    delivery.router,
    figures.router,
    users.router,
    qr.router,
]
