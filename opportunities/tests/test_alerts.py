from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from django.core import mail

from opportunities.alerts import MAX_ATTEMPTS, deliver_alert
from opportunities.detection import detect
from opportunities.models import Alert, Opportunity
from opportunities.tests.factories import NOW, event_with, quotes
from opportunities.tests.test_detection import strategy  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
HOOK = "https://hooks.example.test/monps"


@pytest.fixture
def alerting(strategy, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAIL_TO = ["me@example.test"]
    strategy.alert_min_edge = Decimal("0.05")
    strategy.webhook_url = HOOK
    strategy.save()
    return strategy


def value_event(provider_id="v1", *, over=2.20, observed_at=NOW):
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": over, "Under": 1.70}}
    return event_with(provider_id, quotes("Home", prices, market="totals", point=2.5, observed_at=observed_at))


def test_a_new_opportunity_above_the_threshold_is_alerted_once_per_channel(
    alerting, django_capture_on_commit_callbacks
):
    value_event()
    with django_capture_on_commit_callbacks() as callbacks:
        detect(now=NOW)
    assert len(callbacks) == 1  # the alerts are queued once the pass has committed
    assert sorted(Alert.objects.values_list("channel", "target")) == [("email", "me@example.test"), ("webhook", HOOK)]
    detect(now=NOW + timedelta(minutes=1))
    assert Alert.objects.count() == 2  # seen again: no second alert


def test_below_the_threshold_or_stale_no_alert(alerting):
    value_event("small", over=2.08)  # edge 4% < 5%
    value_event("stale", observed_at=NOW - timedelta(hours=2))
    detect(now=NOW)
    assert Opportunity.objects.count() == 2
    assert Alert.objects.count() == 0


@responses.activate
def test_webhook_and_email_delivery(alerting):
    responses.post(HOOK, json={"ok": True})
    value_event()
    detect(now=NOW)
    for alert in Alert.objects.all():
        assert deliver_alert(alert_id=alert.pk).status == Alert.SENT
    body = responses.calls[0].request.body
    assert b'"outcome": "Over"' in body
    assert b'"price": "2.200"' in body
    assert len(mail.outbox) == 1
    assert "edge 10.00%" in mail.outbox[0].body
    assert deliver_alert(alert_id=Alert.objects.get(channel="webhook").pk).status == Alert.SENT
    assert len(responses.calls) == 1  # a sent alert is never sent again


@responses.activate
def test_a_failing_webhook_is_retried_then_recorded_as_failed(alerting):
    responses.post(HOOK, status=503)
    value_event()
    detect(now=NOW)
    alert = Alert.objects.get(channel="webhook")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        alert = deliver_alert(alert_id=alert.pk)
        assert alert.attempts == attempt
    assert alert.status == Alert.FAILED
    assert alert.last_error.startswith(f"attempt {MAX_ATTEMPTS}: 503 Server Error")
    assert len(responses.calls) == MAX_ATTEMPTS
