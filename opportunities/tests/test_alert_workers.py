"""Alert delivery with real Celery workers on the real Redis broker: a worker killed during an
attempt, alerts on a queue of their own, and a storm of new opportunities."""

import os
import signal
import time
from decimal import Decimal

import pytest

from monps.celery import app
from odds.models import CollectorRun, Sport
from odds.tasks import demo_tick
from opportunities.detection import detect
from opportunities.models import Alert
from opportunities.tests.factories import NOW
from opportunities.tests.receivers import WebhookReceiver
from opportunities.tests.test_alerts import receiver, value_event, value_events  # noqa: F401  (fixture)
from opportunities.tests.test_detection import strategy  # noqa: F401  (fixture)

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]
CLAIM_SECONDS = 2  # the workers' ALERT_CLAIM_SECONDS: a lost worker's claim expires quickly
OTHER_QUEUES = ("collection", "detection", "settlement", "celery")


@pytest.fixture
def webhook_alerts(strategy, receiver):  # noqa: F811
    """Alerts by webhook only, for soccer_epl's opportunities (the demo league's make none)."""
    value_event("first")  # soccer_epl exists from here on
    strategy.sports.add(Sport.objects.get(key="soccer_epl"))
    strategy.alert_min_edge = Decimal("0.05")
    strategy.alert_email = False
    strategy.webhook_url = receiver.url
    strategy.save()
    return strategy


def wait_until(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)
    return result


def tasks_of(worker, *kinds: str) -> list[dict] | None:
    """The worker's tasks of these kinds (active, reserved, scheduled); None if it did not answer."""
    inspect = app.control.inspect(destination=[worker.hostname], timeout=2)
    replies = [getattr(inspect, kind)() for kind in kinds]
    if any(reply is None for reply in replies):
        return None
    return [task for reply in replies for task in reply[worker.hostname]]


def idle(worker) -> bool:
    return tasks_of(worker, "active", "reserved", "scheduled") == []


def test_a_worker_killed_while_the_receiver_answers_has_posted_the_webhook_once(
    start_celery_worker,
    receiver,  # noqa: F811
    webhook_alerts,
):
    worker = start_celery_worker("alerts", pool="prefork", env={"ALERT_CLAIM_SECONDS": str(CLAIM_SECONDS)})
    receiver.hold()  # a slow receiver: it has the request and has not answered yet
    detect(now=NOW)  # committed: the alert is queued
    receiver.wait_for(1)
    alert = Alert.objects.get()
    assert alert.status == Alert.SENDING
    assert alert.handed_over_at is not None
    [task] = wait_until(lambda: tasks_of(worker, "active"), "task running")
    assert task["name"] == "opportunities.tasks.send_alert"
    os.kill(task["worker_pid"], signal.SIGKILL)  # the pool's child process, mid-request
    receiver.release()  # it answers 200 to a sender that is gone

    # The worker gives the task back (acks_late, reject_on_worker_lost); delivered again, it waits for
    # the claim to expire and, the webhook having been handed over, never posts it again.
    alert = wait_until(lambda: Alert.objects.filter(status=Alert.UNCONFIRMED).first(), "alert unconfirmed")
    wait_until(lambda: idle(worker), "worker idle")
    [request] = receiver.received
    assert request.answered == 200
    assert request.headers["Idempotency-Key"] == request.body["idempotency_key"] == str(alert.idempotency_key)
    assert (alert.attempts, alert.reclaims, alert.sent_at) == (1, 0, None)
    assert alert.last_error.startswith("attempt 1: its worker was lost after handing it over at ")
    assert len(receiver.received) == 1


def test_a_worker_killed_before_it_handed_the_webhook_over_is_replaced_and_posts_it_once(
    start_celery_worker,
    webhook_alerts,
):
    stalled = WebhookReceiver(stalled=True)  # it accepts no connection yet: the worker waits to connect
    try:
        webhook_alerts.webhook_url = stalled.url
        webhook_alerts.save()
        worker = start_celery_worker("alerts", pool="prefork", env={"ALERT_CLAIM_SECONDS": str(CLAIM_SECONDS)})
        detect(now=NOW)
        wait_until(lambda: Alert.objects.filter(status=Alert.SENDING).exists(), "alert claimed")
        [task] = wait_until(lambda: tasks_of(worker, "active"), "task running")
        os.kill(task["worker_pid"], signal.SIGKILL)
        alert = Alert.objects.get()
        assert (alert.status, alert.attempts, alert.handed_over_at) == (Alert.SENDING, 1, None)
        stalled.unstall()

        # Delivered again, the task takes the attempt over once its claim expires, with the same key.
        alert = wait_until(lambda: Alert.objects.filter(status=Alert.SENT).first(), "alert sent")
        wait_until(lambda: idle(worker), "worker idle")
        assert (alert.attempts, alert.reclaims) == (2, 1)
        assert stalled.keys == [str(alert.idempotency_key)]
    finally:
        stalled.stop()


def test_a_collection_is_not_queued_behind_alerts(
    start_celery_worker,
    receiver,  # noqa: F811
    webhook_alerts,
):
    alerts_worker = start_celery_worker("alerts")
    start_celery_worker(*OTHER_QUEUES, env={"ODDS_API_KEY": ""})  # no key: the demo market
    receiver.hold()  # the alerts worker is busy with the first of three alerts
    value_events([2.30, 2.40])
    detect(now=NOW)
    assert Alert.objects.count() == 3
    receiver.wait_for(1)
    demo_tick.delay()  # queue "collection"
    run = wait_until(lambda: CollectorRun.objects.filter(kind="demo", status="ok").first(), "demo collection")
    assert run.history_written > 0
    assert [request.answered for request in receiver.received] == [None]  # the first alert is still held
    receiver.release()
    wait_until(lambda: Alert.objects.filter(status=Alert.SENT).count() == 3, "alerts sent")
    wait_until(lambda: idle(alerts_worker), "alerts worker idle")
    assert sorted(receiver.keys) == sorted(str(key) for key in Alert.objects.values_list("idempotency_key", flat=True))


def test_a_pass_with_2000_new_opportunities_posts_one_webhook(
    start_celery_worker,
    receiver,  # noqa: F811
    webhook_alerts,
    settings,
):
    assert settings.ALERT_DIGEST_THRESHOLD == 10  # the default, also the worker's
    worker = start_celery_worker("alerts")
    value_events([2.20 + (n % 50) / 100 for n in range(1999)])  # with "first": 2,000 events
    result = detect(now=NOW)
    assert len(result.created) == 2000
    alert = wait_until(lambda: Alert.objects.filter(status=Alert.SENT).first(), "digest sent")
    wait_until(lambda: idle(worker), "worker idle")
    assert Alert.objects.count() == 1
    assert (alert.opportunity_count, len(alert.listed)) == (2000, 10)
    [request] = receiver.received
    assert request.body["digest"]["count"] == 2000
    assert request.body["digest"]["unlisted"] == 1990
    assert [o["edge"] for o in request.body["digest"]["opportunities"]] == ["0.34500"] * 10
    assert request.body["text"].splitlines()[-1] == "… and 1990 more on the opportunities page."
