from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from opportunities.alerts import deliver_alert, retry_in
from opportunities.detection import detect


@shared_task(acks_late=True)
def detect_opportunities(event_ids: list[int] | None = None) -> dict[str, int]:
    result = detect(event_ids=event_ids)
    return {"created": len(result.created), "updated": result.updated, "expired": result.expired}


# Alerts have their own queue ("alerts", monps/settings.py). Delivered again after a lost worker or
# queued twice, an alert is still handed over at most once (opportunities/alerts.py); a database
# that went away leaves a claim that the retry, once it expires, resolves.
alert_task = shared_task(
    bind=True, acks_late=True, max_retries=None, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True
)


@alert_task
def send_alert(self: Task[Any, Any], alert_id: int) -> str:
    """One opportunity's alert."""
    return _deliver(self, alert_id)


@alert_task
def send_alert_digest(self: Task[Any, Any], alert_id: int) -> str:
    """One message listing a detection pass's many new opportunities."""
    return _deliver(self, alert_id)


def _deliver(task: Task[Any, Any], alert_id: int) -> str:
    alert = deliver_alert(alert_id=alert_id)
    delay = retry_in(alert)
    if delay is not None:
        raise task.retry(countdown=delay)
    return alert.status


@shared_task(acks_late=True)
def send_pending_alerts() -> int:
    """Every few minutes: alerts whose task never reached a worker (the broker was down when they
    were queued) or whose worker was stopped mid-delivery are queued again. The claim makes a second
    task for the same alert harmless: one delivery at most."""
    from datetime import timedelta

    from django.utils import timezone

    from opportunities.alerts import enqueue_deliveries
    from opportunities.models import Alert

    quiet = timezone.now() - timedelta(minutes=5)
    stuck = Alert.objects.filter(status__in=[Alert.PENDING, Alert.SENDING], created_at__lt=quiet).exclude(
        claimed_at__gte=quiet
    )
    alerts = list(stuck[:500])
    enqueue_deliveries(alerts)
    return len(alerts)


# Backtests have their own queue ("backtests", monps/settings.py): a long replay never delays detection.
@shared_task(bind=True, acks_late=True)
def run_backtest(self: Task[Any, Any], run_id: int) -> str:
    """One saved backtest run; delivered again after its worker died, the task id takes its lease back."""
    from opportunities.backtest_runs import execute_backtest

    run = execute_backtest(run_id=run_id, holder=self.request.id)
    return run.status if run is not None else "gone"


@shared_task(acks_late=True)
def resume_backtests() -> int:
    """Every few minutes: runs that lost their worker, or never reached one, are sent again."""
    from opportunities.backtest_runs import resume_backtests as resume

    return len(resume())
