"""Context values computed only when a template reads them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def when_read(compute: Callable[[], T]) -> Callable[[], T]:
    """``compute`` run at most once, and only if a template reads the value: a part of the page served
    from the cache ({% cache %}) reads nothing, so its queries are never made. Templates call
    callables they meet, so ``{{ summary.roi }}`` works as with the value itself."""
    return functools.cache(compute)
