"""Messages per sender and minute, shared by every channel.

With REDIS_URL the count lives in Redis, so several api replicas share it; without it (the
embedded default, one process) it is counted in memory.
"""

import threading
import time
from collections import defaultdict, deque
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
