"""Tracker stores that restore a conversation without decoding all of it for every message.

Rasa 3.6 rebuilds the whole conversation from JSON before every message (the in-memory store
keeps it as one JSON text; the SQL store decodes every row). With py-spy under `make
bench-chat` that was a tenth of Rasa's CPU time in the booking flow, growing with the length
of the conversation. These stores keep the decoded events instead; what Rasa gets back is the
same tracker.
"""

import asyncio
import json
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

import sqlalchemy as sa
from rasa.core.tracker_store import (
    InMemoryTrackerStore,
    SQLTrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

# Conversations whose latest session CachedSQLTrackerStore keeps decoded; least recent go first.
CACHED_CONVERSATIONS = 2000


class _Kept(NamedTuple):
    """A conversation's latest session as CachedSQLTrackerStore last read or saved it."""

    last_id: int  # of its last row
    events: list[Event]
    just_read: bool  # read from the table, not saved since: the table holds `events` exactly


class LiveInMemoryTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store (the embedded default), keeping event objects instead of JSON.

    Events are not changed once they are in a tracker, so the stored list can be shared by the
    trackers rebuilt from it; each rebuilt tracker has its own list and its own slots.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events: dict[str, list[Event]] = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        self.events[tracker.sender_id] = list(tracker.events)
        self.store[tracker.sender_id] = ""  # keys() and `in store` stay Rasa's

    def deserialise_tracker(self, sender_id: str, _serialised: str | bytes) -> DialogueStateTracker:
        return DialogueStateTracker.from_events(
            sender_id,
            self.events[sender_id],
            self.domain.slots,
            max_event_history=self.max_event_history,
        )


class CachedSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL store (production), reading only the rows added since it last read.

    The events table only grows, so the latest session of a conversation is what was read
    before plus the rows with a higher id. A new session (a `session_started` row) or a
    tracker saved from elsewhere (the row count is not what was kept) drops the kept copy and
    the next read is Rasa's own. Another Rasa process may write the same conversation: its
    rows have higher ids and are read like any other.

    The database work runs in a worker thread: Rasa calls its stores from its event loop, and
    every round trip to PostgreSQL (a commit waits for the disk) stopped all other
    conversations of the process. A kept conversation is read with one SELECT and saved with
    one INSERT, each a statement of its own, without Rasa's BEGIN, COMMIT or ROLLBACK.
    """

    def __init__(self, *args: Any, cached_conversations: int = CACHED_CONVERSATIONS, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.capacity = int(cached_conversations)
        self.kept: OrderedDict[str, _Kept] = OrderedDict()
        self._kept_lock = threading.Lock()  # worker threads of different conversations
        # Connections of their own that stay in autocommit: one statement is one transaction.
        # (Switching a pooled connection to autocommit and back cost a round trip each time.)
        self.statements = sa.create_engine(
            self.engine.url, isolation_level="AUTOCOMMIT", **create_engine_kwargs(self.engine.url)
        )
        table = self.SQLEvent.__table__
        self._added_since = (
            sa.select(table.c.id, table.c.data)
            .where(table.c.sender_id == sa.bindparam("sender_id"))
            .where(table.c.id > sa.bindparam("last_id"))
            .order_by(table.c.id)
        )
        self._insert_returning_id = table.insert().returning(table.c.id)

    def _take(self, sender_id: str) -> _Kept | None:
        with self._kept_lock:
            return self.kept.pop(sender_id, None)

    def _keep(self, sender_id: str, kept: _Kept) -> None:
        """Callers take the conversation first, so it goes in as the most recently used."""
        with self._kept_lock:
            self.kept[sender_id] = kept
            while len(self.kept) > self.capacity:
                self.kept.popitem(last=False)

    def _read(self, sender_id: str) -> list[Event]:
        kept = self._take(sender_id)
        if kept is not None:
            with self.statements.connect() as connection:
                rows = connection.execute(
                    self._added_since, {"sender_id": sender_id, "last_id": kept.last_id}
                ).all()
            added = deserialise_events([json.loads(row.data) for row in rows])
            if not any(isinstance(event, SessionStarted) for event in added):
                events = kept.events + added
                last_id = rows[-1].id if rows else kept.last_id
                self._keep(sender_id, _Kept(last_id, events, just_read=True))
                return events
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            rows = rows.with_entities(self.SQLEvent.id, self.SQLEvent.data).all()
        events = deserialise_events([json.loads(row.data) for row in rows])
        # A new conversation has no rows: all its rows will have ids above 0.
        self._keep(sender_id, _Kept(rows[-1].id if rows else 0, events, just_read=True))
        return events

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions or not self.domain:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        events = await asyncio.to_thread(self._read, sender_id)
        if not events:
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _insert(self, connection: sa.engine.Connection, sender_id: str, events: list[Event]) -> int:
        """Writes the events as rows in one statement; the id of the last row."""
        rows = []
        for event in events:
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        if connection.dialect.insert_executemany_returning:  # PostgreSQL
            # One statement for all rows (psycopg2's execute_values), compiled once: a
            # multi-row VALUES clause is a new statement for SQLAlchemy every time (1 ms).
            return max(connection.execute(self._insert_returning_id, rows).scalars())
        table = self.SQLEvent.__table__
        return connection.execute(table.insert().values(rows)).lastrowid  # SQLite: the last row's

    def _write(self, sender_id: str, events: list[Event]) -> None:
        kept = self._take(sender_id)
        if kept is not None and kept.just_read:
            count = len(kept.events)  # exactly what the table holds
            last_id = kept.last_id
            if events[count:]:
                with self.statements.connect() as connection:
                    last_id = self._insert(connection, sender_id, events[count:])
        else:  # as Rasa does: count the rows, then add the rest, in one transaction
            with self.session_scope() as session:
                query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
                count = query.count()
                last_id = kept.last_id if kept else None
                if events[count:]:
                    last_id = self._insert(session.connection(), sender_id, events[count:])
                session.commit()
        was_what_we_kept = (kept is None and count == 0) or (kept and len(kept.events) == count)
        new_session = any(isinstance(event, SessionStarted) for event in events[count:])
        if was_what_we_kept and not new_session and last_id is not None:
            self._keep(sender_id, _Kept(last_id, events, just_read=False))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, keeping the saved events when they are exactly what the table holds."""
        await self.stream_events(tracker)
        await asyncio.to_thread(self._write, tracker.sender_id, list(tracker.events))
