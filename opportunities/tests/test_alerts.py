import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from odds.tests.factories import EventOddsFactory, ingest
from opportunities.alerts import MAX_ATTEMPTS, deliver_alert, retry_in
from opportunities.detection import detect
from opportunities.models import Alert, Opportunity
from opportunities.tests.factories import NOW, AlertFactory, event_with, quotes
from opportunities.tests.receivers import SmtpReceiver, WebhookReceiver
from opportunities.tests.test_detection import strategy  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def alerting(strategy, settings, receiver):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALERT_EMAIL_TO = ["me@example.test"]
    strategy.alert_min_edge = Decimal("0.05")
    strategy.webhook_url = receiver.url
    strategy.save()
    return strategy


def value_quotes(*, over=2.20, observed_at=NOW):
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": over, "Under": 1.70}}
    return quotes("Home", prices, market="totals", point=2.5, observed_at=observed_at)


def value_event(provider_id="v1", *, over=2.20, observed_at=NOW):
    return event_with(provider_id, value_quotes(over=over, observed_at=observed_at))


def value_events(overs: list[float]) -> None:
    """One event per price of Over, all in one snapshot: an Over at 2.20 against a fair 2.00 is a 10% edge."""
    events = [
        EventOddsFactory.build(
            provider_id=f"v{number}",
            home_team=f"Home {number}",
            away_team=f"Away {number}",
            quotes=value_quotes(over=over),
        )
        for number, over in enumerate(overs)
    ]
    ingest(*events, collected_at=NOW)


def webhook_alert() -> Alert:
    return Alert.objects.get(channel=Alert.WEBHOOK)


def test_a_new_opportunity_above_the_threshold_is_alerted_once_per_channel(
    alerting, receiver, django_capture_on_commit_callbacks
):
    value_event()
    with django_capture_on_commit_callbacks() as callbacks:
        detect(now=NOW)
    assert len(callbacks) == 1  # the alerts are queued once the pass has committed
    assert sorted(Alert.objects.values_list("channel", "target", "opportunity_count", "listed", "status")) == [
        ("email", "me@example.test", 1, [], "pending"),
        ("webhook", receiver.url, 1, [], "pending"),
    ]
    assert len(set(Alert.objects.values_list("idempotency_key", flat=True))) == 2
    detect(now=NOW + timedelta(minutes=1))
    assert Alert.objects.count() == 2  # seen again: no second alert


def test_below_the_threshold_or_stale_no_alert(alerting):
    value_event("small", over=2.08)  # edge 4% < 5%
    value_event("stale", observed_at=NOW - timedelta(hours=2))
    detect(now=NOW)
    assert Opportunity.objects.count() == 2
    assert Alert.objects.count() == 0


def test_webhook_and_email_carry_the_alerts_idempotency_key(alerting, receiver):
    value_event()
    detect(now=NOW)
    for alert in Alert.objects.all():
        assert deliver_alert(alert_id=alert.pk).status == Alert.SENT
    alert = webhook_alert()
    [request] = receiver.received
    assert request.headers["Idempotency-Key"] == str(alert.idempotency_key)
    assert request.headers["Content-Type"] == "application/json"
    assert request.body["idempotency_key"] == str(alert.idempotency_key)
    assert request.body["opportunity"]["outcome"] == "Over"
    assert request.body["opportunity"]["price"] == "2.200"
    assert request.body["text"] == request.body["content"]
    assert request.body["text"].startswith("Value: Over +2.50 (totals) @ 2.200 at bet365, fair 2.000, edge 10.00%")
    assert (alert.attempts, alert.reclaims, alert.last_error) == (1, 0, "")
    assert alert.claimed_at <= alert.handed_over_at <= alert.sent_at
    email = Alert.objects.get(channel=Alert.EMAIL)
    [message] = mail.outbox
    assert message.to == ["me@example.test"]
    assert message.subject == "monps: Over edge 10.0%"
    assert message.extra_headers["Message-ID"] == f"<{email.idempotency_key}@monps>"
    assert message.message()["Message-ID"] == f"<{email.idempotency_key}@monps>"
    assert "edge 10.00%" in message.body


def test_a_sent_alert_is_never_sent_again(alerting, receiver):
    value_event()
    detect(now=NOW)
    alert = webhook_alert()
    assert deliver_alert(alert_id=alert.pk).status == Alert.SENT
    again = deliver_alert(alert_id=alert.pk)
    assert (again.status, again.attempts) == (Alert.SENT, 1)
    assert retry_in(again) is None
    assert len(receiver.received) == 1


def test_an_error_answer_is_retried_with_the_same_key_then_recorded_as_failed(alerting, receiver, settings):
    receiver.answer([503] * MAX_ATTEMPTS)
    value_event()
    detect(now=NOW)
    alert = webhook_alert()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        alert = deliver_alert(alert_id=alert.pk)
        assert alert.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert alert.status == Alert.PENDING
            assert retry_in(alert) == settings.ALERT_RETRY_SECONDS * 2 ** (attempt - 1)
    assert alert.status == Alert.FAILED
    assert alert.last_error == f"attempt {MAX_ATTEMPTS}: 503 Service Unavailable"
    assert receiver.keys == [str(alert.idempotency_key)] * MAX_ATTEMPTS
    assert retry_in(alert) is None


def test_a_receiver_that_cannot_be_reached_gets_nothing_and_it_is_retried(alerting):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    alerting.webhook_url = f"http://127.0.0.1:{port}/hook"
    alerting.save()
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert (alert.status, alert.attempts, alert.handed_over_at) == (Alert.PENDING, 1, None)
    assert alert.last_error.startswith("attempt 1: cannot connect: [Errno 111] Connection refused")


def test_a_webhook_target_without_a_host_is_not_delivered_and_says_why(alerting):
    # Saved without the form's URL check (the shell, a script): no connection is tried.
    alerting.webhook_url = "http:///hook"
    alerting.save()
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert (alert.status, alert.attempts, alert.handed_over_at) == (Alert.PENDING, 1, None)
    assert alert.last_error == "attempt 1: 'http:///hook' names no host"


def test_a_request_handed_over_without_an_answer_is_unconfirmed_and_never_sent_again(alerting, receiver):
    receiver.hang_up()  # it reads the request and closes the connection
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert alert.status == Alert.UNCONFIRMED
    assert alert.handed_over_at is not None
    assert alert.last_error == (
        "attempt 1: no answer after the request was sent: Remote end closed connection without response; not sent again"
    )
    assert retry_in(alert) is None
    assert deliver_alert(alert_id=alert.pk).status == Alert.UNCONFIRMED
    assert len(receiver.received) == 1


@pytest.fixture
def smtp(settings):
    receiver = SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", receiver.port, False
    yield receiver
    receiver.stop()


def email_alert() -> Alert:
    return Alert.objects.get(channel=Alert.EMAIL)


def test_an_email_accepted_by_the_mail_server_is_sent_with_the_key_as_message_id(alerting, smtp):
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=email_alert().pk)
    assert (alert.status, alert.attempts) == (Alert.SENT, 1)
    [message] = smtp.messages
    assert message["Message-ID"] == f"<{alert.idempotency_key}@monps>"
    assert message["To"] == "me@example.test"


def test_an_email_the_mail_server_refuses_is_retried(alerting, smtp):
    smtp.refuse()
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=email_alert().pk)
    assert (alert.status, alert.attempts) == (Alert.PENDING, 1)
    assert alert.last_error == "attempt 1: refused: (554, b'no thanks')"
    assert deliver_alert(alert_id=alert.pk).attempts == 2
    assert [m["Message-ID"] for m in smtp.messages] == [f"<{alert.idempotency_key}@monps>"] * 2


def test_an_email_the_mail_server_never_answers_is_unconfirmed_and_never_sent_again(alerting, smtp):
    smtp.hang_up()
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=email_alert().pk)
    assert alert.status == Alert.UNCONFIRMED
    assert alert.last_error == (
        "attempt 1: no answer after the message was sent: Connection unexpectedly closed; not sent again"
    )
    assert deliver_alert(alert_id=alert.pk).status == Alert.UNCONFIRMED
    assert len(smtp.messages) == 1


def lost_worker(alert: Alert, *, claimed: timedelta, handed_over: bool) -> None:
    """The row as a worker killed during its attempt leaves it."""
    claimed_at = timezone.now() - claimed
    Alert.objects.filter(pk=alert.pk).update(
        status=Alert.SENDING,
        attempts=1,
        claimed_at=claimed_at,
        handed_over_at=claimed_at + timedelta(seconds=1) if handed_over else None,
    )


def test_a_claim_is_left_alone_until_it_expires(alerting, receiver, settings):
    value_event()
    detect(now=NOW)
    lost_worker(webhook_alert(), claimed=timedelta(seconds=10), handed_over=False)
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert (alert.status, alert.attempts) == (Alert.SENDING, 1)
    assert settings.ALERT_CLAIM_SECONDS - 10 < retry_in(alert) <= settings.ALERT_CLAIM_SECONDS - 10 + 1
    assert receiver.received == []


def test_a_lost_workers_attempt_that_handed_nothing_over_is_taken_over_with_the_same_key(alerting, receiver, settings):
    value_event()
    detect(now=NOW)
    lost_worker(webhook_alert(), claimed=timedelta(seconds=settings.ALERT_CLAIM_SECONDS + 1), handed_over=False)
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert (alert.status, alert.attempts, alert.reclaims) == (Alert.SENT, 2, 1)
    assert receiver.keys == [str(alert.idempotency_key)]


def test_a_lost_workers_attempt_that_handed_it_over_is_unconfirmed_not_sent_again(alerting, receiver, settings):
    value_event()
    detect(now=NOW)
    lost_worker(webhook_alert(), claimed=timedelta(seconds=settings.ALERT_CLAIM_SECONDS + 1), handed_over=True)
    handed_over_at = webhook_alert().handed_over_at
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert (alert.status, alert.attempts, alert.reclaims) == (Alert.UNCONFIRMED, 1, 0)
    assert alert.last_error == (
        f"attempt 1: its worker was lost after handing it over at {handed_over_at:%Y-%m-%d %H:%M:%S} UTC; "
        "not sent again"
    )
    assert receiver.received == []


def test_a_worker_lost_on_every_attempt_ends_failed(alerting, receiver, settings):
    value_event()
    detect(now=NOW)
    lost_worker(webhook_alert(), claimed=timedelta(seconds=settings.ALERT_CLAIM_SECONDS + 1), handed_over=False)
    Alert.objects.update(attempts=MAX_ATTEMPTS)
    alert = deliver_alert(alert_id=webhook_alert().pk)
    assert alert.status == Alert.FAILED
    assert alert.last_error == f"attempt {MAX_ATTEMPTS}: its worker was lost before handing it over; not sent again"
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
def test_two_tasks_for_one_alert_at_once_post_it_once(strategy, receiver):  # noqa: F811
    value_event()
    detect(now=NOW)
    # Made by hand: detection would queue it for whatever worker listens, committed as this test is.
    alert = AlertFactory(opportunity=Opportunity.objects.get(), target=receiver.url)
    receiver.hold()

    def deliver_in_a_thread() -> None:  # its own database connection, as another task would have
        try:
            deliver_alert(alert_id=alert.pk)
        finally:
            connection.close()

    first = threading.Thread(target=deliver_in_a_thread)
    first.start()
    receiver.wait_for(1)
    second = deliver_alert(alert_id=alert.pk)  # the first attempt is holding its claim
    assert (second.status, second.attempts) == (Alert.SENDING, 1)
    receiver.release()
    first.join(30)
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.SENT, 1)
    assert deliver_alert(alert_id=alert.pk).status == Alert.SENT
    assert len(receiver.received) == 1


def test_up_to_the_digest_threshold_each_opportunity_is_alerted_alone(alerting, settings):
    settings.ALERT_DIGEST_THRESHOLD = 3
    value_events([2.20, 2.30, 2.40])
    detect(now=NOW)
    assert Alert.objects.filter(opportunity_count=1, listed=[]).count() == 6  # 3 e-mails, 3 webhooks


def test_above_the_digest_threshold_a_pass_makes_one_digest_per_channel(alerting, receiver, settings):
    settings.ALERT_DIGEST_THRESHOLD = 3
    value_events([2.20, 2.40, 2.30, 2.50])
    detect(now=NOW)
    by_edge = list(Opportunity.objects.order_by("-edge").values_list("pk", flat=True))
    assert sorted(Alert.objects.values_list("channel", "opportunity_id", "opportunity_count", "listed")) == [
        ("email", by_edge[0], 4, by_edge),
        ("webhook", by_edge[0], 4, by_edge),
    ]
    for alert in Alert.objects.all():
        assert deliver_alert(alert_id=alert.pk).status == Alert.SENT
    [request] = receiver.received
    digest = request.body["digest"]
    assert (digest["strategy"], digest["count"], digest["unlisted"]) == ("Pinnacle", 4, 0)
    assert [o["id"] for o in digest["opportunities"]] == by_edge
    assert [o["edge"] for o in digest["opportunities"]] == ["0.25000", "0.20000", "0.15000", "0.10000"]
    assert request.body["text"].splitlines() == [
        "4 new opportunities for strategy Pinnacle, best edges first:",
        "edge 25.00%: Over +2.50 (totals) @ 2.500 at bet365, Home 3 v Away 3 11-25 12:00",
        "edge 20.00%: Over +2.50 (totals) @ 2.400 at bet365, Home 1 v Away 1 11-25 12:00",
        "edge 15.00%: Over +2.50 (totals) @ 2.300 at bet365, Home 2 v Away 2 11-25 12:00",
        "edge 10.00%: Over +2.50 (totals) @ 2.200 at bet365, Home 0 v Away 0 11-25 12:00",
    ]
    assert request.headers["Idempotency-Key"] == str(webhook_alert().idempotency_key)
    [message] = mail.outbox
    assert message.subject == "monps: 4 new opportunities, best edge 25.0%"
    assert message.body == request.body["text"]


def test_a_digest_lists_the_best_ten_and_counts_the_rest(alerting, receiver):
    value_events([2.20 + i / 100 for i in range(12)])
    detect(now=NOW)
    alert = webhook_alert()
    assert (alert.opportunity_count, len(alert.listed)) == (12, 10)
    deliver_alert(alert_id=alert.pk)
    [request] = receiver.received
    assert request.body["digest"]["unlisted"] == 2
    assert len(request.body["digest"]["opportunities"]) == 10
    lines = request.body["text"].splitlines()
    assert len(lines) == 12
    assert lines[1].startswith("edge 15.50%: Over +2.50 (totals) @ 2.310 at bet365")
    assert lines[-1] == "… and 2 more on the opportunities page."
    assert request.body["content"] == request.body["text"]  # under Discord's 2,000 characters


@pytest.mark.django_db(transaction=True)
def test_alerts_whose_task_never_ran_are_queued_again_and_sent_once(alerting, receiver, celery_worker):
    from django.utils import timezone

    from opportunities.tasks import send_pending_alerts

    value_event()
    detect(now=NOW)
    Alert.objects.filter(channel=Alert.EMAIL).delete()  # the worker's outbox is not this process's
    # As if the broker had been down when the pass queued it: nothing ever delivered it.
    Alert.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    assert send_pending_alerts() == 1
    alert = webhook_alert()
    deadline = time.monotonic() + 30
    while alert.status != Alert.SENT and time.monotonic() < deadline:
        time.sleep(0.2)
        alert.refresh_from_db()
    assert (alert.status, alert.attempts) == (Alert.SENT, 1)
    assert send_pending_alerts() == 0
    assert len(receiver.received) == 1
