"""Helpers for tests that share real servers."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings

# A constant bound on odds history's time column in a captured query, as Django writes it
# ("odds_pricehistory"."observed_at") or our SQL does (h.observed_at).
HISTORY_BOUND = re.compile(
    r"(?:\"odds_pricehistory\"\.\"observed_at\"|\bh\.observed_at) (>=|<=) '([^']+)'::timestamptz"
)


def database_url(params: dict[str, Any]) -> str:
    """A libpq connection string for the database of these Django settings, with every part of the
    URL it came from (user, password, host, port, options), for server processes a test starts."""
    from psycopg.conninfo import make_conninfo

    parts = {
        "dbname": params["NAME"],
        "user": params["USER"],
        "password": params["PASSWORD"],
        "host": params["HOST"],
        "port": params["PORT"],
        **params.get("OPTIONS", {}),
    }
    return make_conninfo(**{key: value for key, value in parts.items() if value not in ("", None)})


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


def history_bounds(sql: str) -> dict[str, list[datetime]]:
    """The constant bounds a captured query puts on ``odds_pricehistory.observed_at``, by operator:
    ``{">=": [lower], "<=": [upper]}`` for a read bounded on both sides."""
    bounds: dict[str, list[datetime]] = {}
    for operator, value in HISTORY_BOUND.findall(sql):
        bounds.setdefault(operator, []).append(datetime.fromisoformat(value))
    return bounds


def history_queries(captured: list[dict[str, str]]) -> list[str]:
    """The captured queries that read odds history."""
    return [q["sql"] for q in captured if "odds_pricehistory" in q["sql"]]
