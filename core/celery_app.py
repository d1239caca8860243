"""The Celery app: an embedded broker on SQLite by default (no server), Redis with REDIS_URL."""

from celery import Celery

from core.settings import get_settings

HEARTBEAT_SECONDS = 30


def make_celery() -> Celery:
    settings = get_settings()
    app = Celery(
        "kim",
        broker=settings.celery_broker_url,
        backend=settings.celery_result_backend,
        # Task modules by name: core imports no domain package.
        include=["core.tasks", "scheduler.tasks", "intake.tasks"],
    )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="Europe/Berlin",
        enable_utc=True,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "worker-heartbeat": {
                "task": "core.tasks.record_heartbeat",
                "schedule": HEARTBEAT_SECONDS,
            },
            "expire-holds": {"task": "scheduler.tasks.expire_holds", "schedule": 60},
            "send-reminders": {"task": "scheduler.tasks.send_reminders", "schedule": 300},
            "deliver-pre-intake-records": {"task": "intake.tasks.deliver_outbox", "schedule": 30},
            "delete-expired-records": {
                "task": "intake.tasks.delete_expired_records",
                "schedule": 3600,
            },
            "send-feedback-requests": {
                "task": "scheduler.tasks.send_feedback_requests",
                "schedule": 900,
            },
        },
    )
    return app


celery_app = make_celery()
