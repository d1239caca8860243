"""The conversation lock Rasa holds around each message (bot/lock_store.py), on a real Redis.

Runs where KIM_TEST_REDIS_URL names one (.ci/run sets it when Redis listens on 6379).
"""

import asyncio
import os
import uuid

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as redis

from bot.lock_store import ConversationLockStore

REDIS_URL = os.environ.get("KIM_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="KIM_TEST_REDIS_URL is not set")


def new_store() -> ConversationLockStore:
    """A store as Rasa makes it from bot/endpoints.production.yml, in a test database."""
    where = redis.Redis.from_url(REDIS_URL).connection_pool.connection_kwargs
    host, port = where["host"], where["port"]
    config = EndpointConfig(
        url=host, type="bot.lock_store.ConversationLockStore", port=port, db=15,
        key_prefix="kimtest",
    )  # fmt: skip
    store = LockStore.create(config)
    assert isinstance(store, ConversationLockStore)
    return store


async def test_messages_of_one_conversation_take_turns_in_arrival_order():
    store, conversation = new_store(), uuid.uuid4().hex
    log: list[str] = []

    async def message(name: str, arrives_after: float) -> None:
        await asyncio.sleep(arrives_after)
        async with store.lock(conversation):
            log.append(f"{name} in")
            await asyncio.sleep(0.05)
            log.append(f"{name} out")

    # c arrives 15 ms after b: were they polling Redis, c's try would come first once a is done.
    await asyncio.gather(message("a", 0), message("b", 0.005), message("c", 0.02))
    assert log == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert not store._queues, "a finished conversation leaves nothing behind in the process"


async def test_two_processes_never_hold_one_conversation_at_once():
    first, second, conversation = new_store(), new_store(), uuid.uuid4().hex
    inside = 0
    most = 0

    async def message(store: ConversationLockStore) -> None:
        nonlocal inside, most
        async with store.lock(conversation):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(message(store) for store in [first, second] * 5))
    assert most == 1


async def test_other_conversations_do_not_wait():
    store = new_store()
    busy, other = uuid.uuid4().hex, uuid.uuid4().hex
    async with store.lock(busy):
        await asyncio.wait_for(_hold(store, other, 0), timeout=1)


async def test_a_lock_left_by_a_crashed_process_expires():
    store, conversation = new_store(), uuid.uuid4().hex
    await store.redis.set(store.key_prefix + conversation, "crashed", px=200)
    async with store.lock(conversation, lock_lifetime=5):
        assert await store.redis.get(store.key_prefix + conversation) != b"crashed"


async def test_a_message_gives_up_when_the_lock_never_frees():
    store, conversation = new_store(), uuid.uuid4().hex
    await store.redis.set(store.key_prefix + conversation, "stuck", px=10_000)
    with pytest.raises(LockError):
        async with store.lock(conversation, lock_lifetime=0.2):
            pass
    assert not store._queues


async def test_a_holder_whose_lock_expired_does_not_free_the_next_holders_lock():
    first, second, conversation = new_store(), new_store(), uuid.uuid4().hex
    key = first.key_prefix + conversation
    async with first.lock(conversation, lock_lifetime=0.1):
        await asyncio.sleep(0.15)  # expired: another process may take it now
        taken = asyncio.create_task(_hold(second, conversation, 0.3))
        await asyncio.sleep(0.05)
    assert await first.redis.get(key) is not None, "the second holder's lock is still there"
    await taken


async def _hold(store: ConversationLockStore, conversation: str, seconds: float) -> None:
    async with store.lock(conversation, lock_lifetime=5):
        await asyncio.sleep(seconds)
