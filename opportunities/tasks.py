from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from opportunities.alerts import deliver_alert
from opportunities.detection import detect
from opportunities.models import Alert


@shared_task(acks_late=True)
def detect_opportunities(event_ids: list[int] | None = None) -> dict:
    result = detect(event_ids=event_ids)
    return {"created": len(result.created), "updated": result.updated, "expired": result.expired}


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_alert(self: Task, alert_id: int) -> str:
    alert = deliver_alert(alert_id=alert_id)
    if alert.status == Alert.PENDING:
        raise self.retry(countdown=settings.ALERT_RETRY_SECONDS * 2 ** (alert.attempts - 1))
    return alert.status
