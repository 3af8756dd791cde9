from decimal import Decimal

import pytest

from opportunities.detection import detect
from opportunities.models import Alert, Opportunity
from opportunities.tests.factories import NOW, AlertFactory
from opportunities.tests.test_alerts import value_events
from opportunities.tests.test_detection import strategy  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
HOOK = "https://hooks.example.test/monps"


@pytest.fixture
def digest(strategy, settings):  # noqa: F811
    settings.ALERT_DIGEST_THRESHOLD = 2
    strategy.alert_min_edge = Decimal("0.05")
    strategy.alert_email = False
    strategy.webhook_url = HOOK
    strategy.save()
    value_events([2.20, 2.40, 2.30])
    detect(now=NOW)
    return Alert.objects.get()


def test_the_alert_list_shows_status_attempts_and_idempotency_key(admin_client, digest):
    Alert.objects.filter(pk=digest.pk).update(status=Alert.UNCONFIRMED, attempts=1)
    page = admin_client.get("/admin/opportunities/alert/").content.decode()
    assert f'<td class="field-idempotency_key">{digest.idempotency_key}</td>' in page
    assert '<td class="field-status">Unconfirmed</td>' in page
    assert '<td class="field-attempts">1</td>' in page
    assert '<td class="field-opportunity_count">3</td>' in page


def test_an_alert_page_shows_what_the_digest_lists(admin_client, digest):
    page = admin_client.get(f"/admin/opportunities/alert/{digest.pk}/change/").content.decode()
    assert (
        "<ol><li>edge 20.00%: Over +2.50 (totals) @ 2.400 at bet365, Home 1 v Away 1 11-25 12:00</li>"
        "<li>edge 15.00%: Over +2.50 (totals) @ 2.300 at bet365, Home 2 v Away 2 11-25 12:00</li>"
        "<li>edge 10.00%: Over +2.50 (totals) @ 2.200 at bet365, Home 0 v Away 0 11-25 12:00</li></ol>"
    ) in page
    assert str(digest.idempotency_key) in page


def test_send_again_queues_only_unconfirmed_or_failed_alerts(admin_client, digest, django_capture_on_commit_callbacks):
    sent = AlertFactory(opportunity=Opportunity.objects.order_by("edge").first(), target=HOOK, status=Alert.SENT)
    Alert.objects.filter(pk=digest.pk).update(status=Alert.UNCONFIRMED, attempts=1)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            "/admin/opportunities/alert/",
            {"action": "send_again", "_selected_action": [digest.pk, sent.pk]},
            follow=True,
        )
    assert "1 unconfirmed or failed alerts queued again." in response.content.decode()
    assert len(callbacks) == 1
    assert dict(Alert.objects.values_list("pk", "status")) == {digest.pk: Alert.PENDING, sent.pk: Alert.SENT}
    assert Alert.objects.get(pk=digest.pk).idempotency_key == digest.idempotency_key
