"""Periodic work of the scheduler (Celery beat runs these; see core/celery_app.py)."""

from core.celery_app import celery_app
from core.db import session_scope, utcnow
from core.settings import get_settings
from scheduler.bookings import expire_holds
from scheduler.followups import send_due_reminders, send_feedback_requests


@celery_app.task(name="scheduler.tasks.expire_holds")
def expire_holds_task() -> int:
    with session_scope() as session:
        return expire_holds(session, utcnow())


@celery_app.task(name="scheduler.tasks.send_reminders")
def send_reminders_task() -> int:
    with session_scope() as session:
        return send_due_reminders(session, utcnow(), get_settings().base_url)


@celery_app.task(name="scheduler.tasks.send_feedback_requests")
def send_feedback_requests_task() -> int:
    with session_scope() as session:
        return send_feedback_requests(session, utcnow(), get_settings().base_url)
