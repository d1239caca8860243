"""Periodic work of the intake package: delivering records, deleting them on schedule."""

import logging
from datetime import timedelta

from sqlalchemy import select

from core.celery_app import celery_app
from core.db import session_scope, utcnow
from core.settings import get_settings
from intake.adapters import Adapter, CaseSystemConfig, adapter_for
from intake.outbox import deliver_due
from intake.service import (
    TRACKER_RETENTION_DAYS,
    delete_expired_records,
    delete_old_tracker_events,
)
from scheduler.models import County

logger = logging.getLogger("kim.intake")


def county_adapters() -> dict[int, Adapter]:
    settings = get_settings()
    with session_scope() as session:
        return {
            county.id: adapter_for(
                CaseSystemConfig.model_validate(county.case_system or {}),
                settings.case_system_secret.get_secret_value(),
                settings.var_dir,
            )
            for county in session.scalars(select(County))
        }


@celery_app.task(name="intake.tasks.deliver_outbox")
def deliver_outbox_task() -> dict[str, int]:
    adapters = county_adapters()
    with session_scope() as session:
        run = deliver_due(session, adapters.__getitem__, utcnow())
    return {"delivered": run.delivered, "failed": run.failed, "dead": run.dead}


@celery_app.task(name="intake.tasks.delete_expired_records")
def delete_expired_records_task() -> dict[str, int]:
    with session_scope() as session:
        now = utcnow()
        return {
            "records": delete_expired_records(session, now),
            "tracker_events": delete_old_tracker_events(session, now, TRACKER_RETENTION_DAYS),
        }


def deliver_soon() -> None:
    """A delivery right after a booking; the beat schedule catches anything this misses."""
    try:
        deliver_outbox_task.apply_async(countdown=2, expires=timedelta(minutes=5).total_seconds())
    except Exception:  # noqa: BLE001 (a broker hiccup must not undo a booking)
        logger.warning("could not queue an outbox delivery; the periodic run will", exc_info=True)
