"""A conversation lock for several Rasa processes: one Redis key per conversation, taken
atomically, plus a queue in the process.

Rasa's RedisLockStore keeps a ticket list under the key and reads and rewrites it around every
message: seven synchronous Redis round trips, each blocking Rasa's event loop (5-10 % of
Rasa's samples on PostgreSQL in py-spy), and its read-then-write is not atomic between
processes. Here a message waits in an asyncio queue of its own process first (the api sends a
conversation to the same process every time, so this is where messages of one conversation
meet), then takes the Redis key with SET NX and gives it back with a compare-and-delete: two
round trips, without blocking the loop. The key expires after the lock lifetime, as Rasa's
tickets do, so a crashed process frees its conversations.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as redis

# How often a message polls while another process holds its conversation (rare: only when
# the api's choice of process changed, e.g. while a Rasa process restarts).
POLL_SECONDS = 0.02

# Deletes the key only while it still holds this holder's token: a holder whose key expired
# must not free the next holder's lock.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass
class _Queue:
    """The messages of one conversation in this process, taking their turns in arrival order."""

    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    messages: int = 0  # holding or waiting for the turn


class ConversationLockStore(LockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        config = {**(endpoint_config.kwargs if endpoint_config else {}), **kwargs}
        host = (endpoint_config.url if endpoint_config else None) or config.get("host")
        self.redis = redis.Redis(
            host=host or "localhost",
            port=int(config.get("port", 6379)),
            db=int(config.get("db", 1)),
            password=config.get("password") or None,
        )
        self.key_prefix = f"{config.get('key_prefix', 'kim')}:conversation_lock:"
        self._queues: dict[str, _Queue] = {}
        self._release = self.redis.register_script(_RELEASE)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        queue = self._queues.setdefault(conversation_id, _Queue())
        queue.messages += 1
        try:
            async with queue.turn:
                key, token = self.key_prefix + conversation_id, uuid.uuid4().hex
                await self._take(key, token, lock_lifetime)
                try:
                    yield TicketLock(conversation_id)
                finally:
                    await self._release(keys=[key], args=[token])
        finally:
            queue.messages -= 1
            if not queue.messages:
                del self._queues[conversation_id]

    async def _take(self, key: str, token: str, lifetime: float) -> None:
        deadline = time.monotonic() + lifetime
        milliseconds = max(1, int(lifetime * 1000))
        while not await self.redis.set(key, token, nx=True, px=milliseconds):
            if time.monotonic() > deadline:
                raise LockError(f"Could not acquire lock for conversation_id '{key}'.")
            await asyncio.sleep(POLL_SECONDS)

    # Rasa's ticket interface: nothing in Rasa 3.6 calls these besides `lock` above.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return None

    def delete_lock(self, conversation_id: str) -> None:
        pass

    def save_lock(self, lock: TicketLock) -> None:
        pass
