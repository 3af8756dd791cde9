"""Helpers for tests that share real servers."""

from __future__ import annotations

import pytest
from django.conf import settings


def wait_for_idle_worker(timeout: float = 60) -> None:
    """Wait until the broker queue is empty and no task is running, so nothing writes after a test."""
    import time

    import redis

    from monps.celery import app

    client = redis.Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = app.control.inspect(timeout=0.5).active() or {}
        if client.llen("celery") == 0 and not any(active.values()):
            return
        time.sleep(0.2)
    pytest.fail("the Celery worker did not become idle")
