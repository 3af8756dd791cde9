"""The cache of page parts and API answers: a speed-up, never a dependency of a page."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
PAUSE_SECONDS = 30


class PageCache(RedisCache):
    """Redis, but a page renders afresh when Redis cannot be reached, and the cache is left alone for
    30 s after a failure (so an outage costs one short timeout, not one per request)."""

    _down_until = 0.0

    def _reachable(self) -> bool:
        return time.monotonic() >= PageCache._down_until

    def _failed(self, exc: Exception) -> None:
        PageCache._down_until = time.monotonic() + PAUSE_SECONDS
        logger.warning("page cache unreachable, pages render afresh for %ss: %s", PAUSE_SECONDS, exc)

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        if not self._reachable():
            return default
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            self._failed(exc)
            return default

    def set(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        if not self._reachable():
            return
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            self._failed(exc)
