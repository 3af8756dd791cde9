"""The cache API throttling counts in: Redis, or this process's memory while Redis does not answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any, cast

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis import RedisError

logger = logging.getLogger(__name__)


class FallbackRedisCache(RedisCache):
    """Django's Redis cache that keeps answering when Redis is down or hangs: an operation that fails
    (refused, or past the socket timeout of OPTIONS) is done in a local in-memory cache instead, and
    Redis is tried again ``RETRY_SECONDS`` (an OPTION, default 5) later, so that a hung server costs
    one timeout per interval, not one per request. Meanwhile throttling counts per process: looser
    than across every web worker, but the API answers. One warning when Redis is lost, one line when
    it is back."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self.local = LocMemCache(f"fallback:{server}", {**params, "OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.down_until: float | None = None  # monotonic time of the next try while Redis is down

    def _either(self, name: str, *args: object, **kwargs: object) -> Any:
        if self.down_until is None or time.monotonic() >= self.down_until:
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except (RedisError, OSError) as exc:
                if self.down_until is None:
                    logger.warning("cache: Redis unavailable (%s); counting in this process meanwhile", exc)
                self.down_until = time.monotonic() + self.retry_seconds
            else:
                if self.down_until is not None:
                    logger.info("cache: Redis answers again")
                    self.down_until = None
                return result
        return getattr(self.local, name)(*args, **kwargs)

    # Every operation RedisCache implements; BaseCache's others (get_or_set, incr_version…) use these.
    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._either("add", key, value, timeout, version))

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return self._either("get", key, default, version)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._either("set", key, value, timeout, version)

    def touch(self, key: str, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(self._either("touch", key, timeout, version))

    def delete(self, key: str, version: int | None = None) -> bool:
        return bool(self._either("delete", key, version))

    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict[str, Any]:
        return cast("dict[str, Any]", self._either("get_many", list(keys), version))

    def has_key(self, key: str, version: int | None = None) -> bool:
        return bool(self._either("has_key", key, version))

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        return int(self._either("incr", key, delta, version))

    def set_many(self, data: dict[str, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[str]:
        return cast("list[str]", self._either("set_many", data, timeout, version))

    def delete_many(self, keys: Iterable[str], version: int | None = None) -> None:
        self._either("delete_many", list(keys), version)

    def clear(self) -> None:
        self._either("clear")
