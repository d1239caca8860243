import socket

from sqlalchemy import select

from core.celery_app import celery_app
from core.db import session_scope, utcnow
from core.models import WorkerHeartbeat


@celery_app.task(name="core.tasks.record_heartbeat")
def record_heartbeat() -> str:
    """Proves end to end that beat, broker, worker and database work together."""
    worker = socket.gethostname()
    with session_scope() as session:
        row = session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker))
        if row is None:
            session.add(WorkerHeartbeat(worker=worker, seen_at=utcnow()))
        else:
            row.seen_at = utcnow()
    return worker
