"""Alert delivery: e-mail and a JSON webhook, each retried, every failure recorded and shown."""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from opportunities.models import Alert, Opportunity

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


def alert_text(opportunity: Opportunity) -> str:
    event = opportunity.event
    point = f" {opportunity.point:+}" if opportunity.point is not None else ""
    return (
        f"Value: {opportunity.outcome}{point} ({opportunity.market}) @ {opportunity.price} at "
        f"{opportunity.bookmaker.title}, fair {opportunity.fair_price}, edge {opportunity.edge:.2%}, "
        f"stake {opportunity.suggested_stake}. {event.home_team} v {event.away_team}, "
        f"{event.commence_time:%Y-%m-%d %H:%M} UTC. Strategy {opportunity.strategy.name}."
    )


def webhook_payload(opportunity: Opportunity) -> dict:
    text = alert_text(opportunity)
    return {
        "text": text,  # Slack and most chat webhooks
        "content": text,  # Discord
        "opportunity": {
            "id": opportunity.pk,
            "event_id": opportunity.event_id,
            "event": str(opportunity.event),
            "commence_time": opportunity.event.commence_time.isoformat(),
            "market": opportunity.market,
            "outcome": opportunity.outcome,
            "point": str(opportunity.point) if opportunity.point is not None else None,
            "bookmaker": opportunity.bookmaker.key,
            "price": str(opportunity.price),
            "fair_price": str(opportunity.fair_price),
            "edge": str(opportunity.edge),
            "suggested_stake": str(opportunity.suggested_stake),
            "strategy": opportunity.strategy.name,
        },
    }


def deliver_alert(*, alert_id: int) -> Alert:
    """Try to send one alert. Sent alerts are never sent again; a failure is recorded on the alert."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert_id)
        if alert.status != Alert.PENDING:
            return alert
        opportunity = Opportunity.objects.select_related("event", "bookmaker", "strategy").get(pk=alert.opportunity_id)
        alert.attempts += 1
        try:
            if alert.channel == Alert.EMAIL:
                send_mail(
                    subject=f"monps: {opportunity.outcome} edge {opportunity.edge:.1%}",
                    message=alert_text(opportunity),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=alert.target.split(","),
                )
            else:
                response = requests.post(alert.target, json=webhook_payload(opportunity), timeout=10)
                response.raise_for_status()
        except (OSError, requests.RequestException) as exc:
            alert.last_error = f"attempt {alert.attempts}: {exc}"[:2000]
            alert.status = Alert.FAILED if alert.attempts >= MAX_ATTEMPTS else Alert.PENDING
            logger.warning("alert %s via %s failed: %s", alert.pk, alert.channel, exc)
        else:
            alert.status, alert.sent_at, alert.last_error = Alert.SENT, timezone.now(), ""
        alert.save()
    return alert
