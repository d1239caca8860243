"""Messages per sender and minute, shared by every channel; and updates a provider sends twice.

With REDIS_URL the state lives in Redis, so several api replicas share it; without it (the
embedded default, one process) it is kept in memory.
"""

import threading
import time
from collections import OrderedDict, defaultdict, deque
from functools import lru_cache

import redis

from core.settings import get_settings

WINDOW_SECONDS = 60


class RateLimiter:
    def __init__(self, per_minute: int, redis_url: str | None = None) -> None:
        self.per_minute = per_minute
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Counts this message; False once the sender is over the limit for this minute."""
        if self._redis is not None:
            bucket = f"kim:rate:{key}:{int(time.time() // WINDOW_SECONDS)}"
            pipeline = self._redis.pipeline()
            pipeline.incr(bucket)
            pipeline.expire(bucket, 2 * WINDOW_SECONDS)
            count, _ = pipeline.execute()
            return int(count) <= self.per_minute
        now = time.monotonic()
        with self._lock:
            seen = self._seen[key]
            while seen and seen[0] <= now - WINDOW_SECONDS:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True


@lru_cache
def rate_limiter() -> RateLimiter:
    settings = get_settings()
    return RateLimiter(settings.chat_rate_per_minute, settings.redis_url or None)


class SeenBefore:
    """Remembers delivery ids for a day: a provider's retry of the same update is answered
    once (Telegram sends an update again when our answer was slow)."""

    TTL_SECONDS = 24 * 3600
    MEMORY_ITEMS = 10_000

    def __init__(self, redis_url: str | None = None) -> None:
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        if self._redis is not None:
            return bool(self._redis.set(f"kim:seen:{key}", 1, nx=True, ex=self.TTL_SECONDS))
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > self.MEMORY_ITEMS:
                self._seen.popitem(last=False)
            return True


@lru_cache
def seen_updates() -> SeenBefore:
    return SeenBefore(get_settings().redis_url or None)
