"""Reads over odds shared by pages, API and health."""

from __future__ import annotations

from odds.models import CollectorRun


def collector_health() -> dict:
    """Collection is healthy unless the API key was rejected (then nothing collects until fixed)."""
    from odds.collector import collection_blocked

    blocked = collection_blocked()
    last = CollectorRun.objects.exclude(status=CollectorRun.RUNNING).only("started_at", "status").first()
    report = {
        "ok": not blocked,
        "last_run": last.started_at.isoformat() if last else None,
        "last_status": last.status if last else None,
    }
    if blocked:
        report["error"] = blocked
    return report
