"""``/health/``: is this installation able to do its job? JSON, no login, 503 when degraded."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.probes import redis_ping
from ops.timescale import TimescaleRequired, active_path


def database_status() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        path = active_path(connection)
    except (DatabaseError, TimescaleRequired) as exc:
        return {"up": False, "error": str(exc).strip().splitlines()[0]}
    return {"up": True, "timescale": path, "ms": round((time.perf_counter() - started) * 1000, 1)}


def redis_status() -> dict[str, Any]:
    if redis_ping(settings.REDIS_URL):
        return {"up": True}
    return {"up": False, "error": "Redis did not answer PING"}


def worker_status() -> dict[str, Any]:
    """Celery workers that sent a heartbeat lately (monps.celery). Reported, but a web node is healthy
    without them."""
    from redis import Redis, RedisError

    from monps.celery import WORKER_KEY

    try:
        keys = Redis.from_url(settings.REDIS_URL, socket_timeout=0.5).scan_iter(match=WORKER_KEY + "*")
        workers = sorted(key.decode()[len(WORKER_KEY) :] for key in keys)
    except RedisError as exc:
        return {"up": False, "workers": [], "error": str(exc)}
    return {"up": bool(workers), "workers": workers}


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = database_status()
    redis = redis_status()
    report = {
        "database": database,
        "redis": redis,
        "timescale": database.get("timescale", "unknown"),
        "worker": worker_status() if redis["up"] else {"up": False, "workers": [], "error": "no broker"},
    }
    from odds.selectors import collector_health

    report["collector"] = collector_health() if database["up"] else {"ok": False}
    reasons = [
        f"{name}: {part['error']}" for name, part in (("database", database), ("redis", redis)) if not part["up"]
    ]
    if database["up"] and not report["collector"].get("ok", True):
        reasons.append(f"collector: {report['collector']['error']}")
    report["status"] = "degraded" if reasons else "ok"
    if reasons:
        report["reasons"] = reasons
    return JsonResponse(report, status=503 if reasons else 200)
