"""Telegram as an alert channel (opportunities/alerts.py): a real HTTP server on 127.0.0.1 stands in
for the Bot API and answers with the recorded answers in data/telegram/ (their source: its README)."""

import json
import logging
import os
import socket
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from devtools.processes import Answer
from opportunities.alerts import MAX_ATTEMPTS, deliver_alert, retry_in
from opportunities.detection import detect
from opportunities.models import Alert
from opportunities.tests.factories import NOW
from opportunities.tests.test_alerts import value_event
from opportunities.tests.test_detection import strategy  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "telegram"
TOKEN = "7012345678:AAHfakeTokenForTests_0123456789-abcdef"
CHAT = "-1001234567890"


def recorded(name: str, status: int = 200, **headers: str) -> Answer:
    return Answer(status, (DATA / f"{name}.json").read_bytes(), headers)


@pytest.fixture
def telegram(strategy, settings, local_api):  # noqa: F811
    """The Bot API on 127.0.0.1, answering sendMessage with success; the strategy alerts on it alone."""
    api = local_api(recorded("send_message_ok"))
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID = TOKEN, CHAT
    settings.TELEGRAM_API_BASE_URL = api.url
    settings.ALERT_EMAIL_TO = []
    strategy.alert_min_edge = Decimal("0.05")
    strategy.save()
    return api


def telegram_alert() -> Alert:
    return Alert.objects.get(channel=Alert.TELEGRAM)


def test_a_telegram_alert_is_sent_to_the_chat_once(telegram):
    value_event()
    detect(now=NOW)
    detect(now=NOW)  # seen again: no second alert

    alert = deliver_alert(alert_id=telegram_alert().pk)
    again = deliver_alert(alert_id=alert.pk)

    assert (alert.channel, alert.target, alert.status, alert.attempts, alert.last_error) == (
        "telegram",
        CHAT,
        Alert.SENT,
        1,
        "",
    )
    assert (again.status, again.attempts, retry_in(again)) == (Alert.SENT, 1, None)
    assert telegram.paths == [f"/bot{TOKEN}/sendMessage"]
    [body] = [json.loads(body) for body in telegram.bodies]
    assert body == {
        "chat_id": CHAT,
        "text": "Value: Over +2.50 (totals) @ 2.200 at bet365, fair 2.000, edge 10.00%, stake 20.83. Home v Away, "
        "2026-11-25 12:00 UTC. Strategy Pinnacle.",
        "link_preview_options": {"is_disabled": True},
    }


def test_a_strategys_own_chat_comes_before_the_environments(telegram, strategy):  # noqa: F811
    strategy.telegram_chat_id = "@monps_value"
    strategy.save()
    value_event()
    detect(now=NOW)
    deliver_alert(alert_id=telegram_alert().pk)
    assert json.loads(telegram.bodies[0])["chat_id"] == "@monps_value"


def test_without_a_token_or_a_chat_there_is_no_telegram_alert(telegram, settings, strategy):  # noqa: F811
    settings.TELEGRAM_BOT_TOKEN = ""
    value_event("a")
    detect(now=NOW)
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID = TOKEN, ""
    value_event("b")
    detect(now=NOW)
    settings.TELEGRAM_CHAT_ID = CHAT
    strategy.alert_telegram = False
    strategy.save()
    value_event("c")
    detect(now=NOW)
    assert Alert.objects.count() == 0


def test_a_failing_bot_api_is_retried_as_it_asks_then_recorded_as_failed(telegram, settings):
    settings.ALERT_RETRY_SECONDS = 0  # so the wait Telegram asks for is the one that counts
    telegram.answers = (
        recorded("too_many_requests", 429),
        Answer(502, b"<html><center><h1>502 Bad Gateway</h1></center></html>", {"Content-Type": "text/html"}),
        recorded("chat_not_found", 400),
    )
    value_event()
    detect(now=NOW)
    alert = telegram_alert()

    seen = []
    for _ in range(MAX_ATTEMPTS):
        alert = deliver_alert(alert_id=alert.pk)
        seen.append((alert.status, alert.attempts, alert.last_error, alert.retry_after, retry_in(alert)))

    assert seen == [
        (Alert.PENDING, 1, "attempt 1: 429 Too Many Requests: retry after 1", 1, 1.0),
        (Alert.PENDING, 2, "attempt 2: 502 Bad Gateway", None, 0.0),
        (Alert.FAILED, 3, "attempt 3: 400 Bad Request: chat not found", None, None),
    ]
    assert telegram.paths == [f"/bot{TOKEN}/sendMessage"] * MAX_ATTEMPTS
    assert deliver_alert(alert_id=alert.pk).attempts == MAX_ATTEMPTS  # failed: not tried again by itself


def test_a_webhook_that_asks_for_a_pause_gets_the_next_attempt_no_sooner(telegram, settings, strategy, local_api):  # noqa: F811
    settings.TELEGRAM_BOT_TOKEN = ""
    hook = local_api(Answer(429, b"", {"Retry-After": "120"}), Answer(503, b"", {"Retry-After": "Wed, 21 Oct 2026"}))
    strategy.webhook_url = f"{hook.url}/hook"
    strategy.save()
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=Alert.objects.get(channel=Alert.WEBHOOK).pk)
    assert (alert.last_error, alert.retry_after, retry_in(alert)) == ("attempt 1: 429 Too Many Requests", 120, 120.0)
    alert = deliver_alert(alert_id=alert.pk)  # a date is not read: the backoff alone
    assert (alert.retry_after, retry_in(alert)) == (None, settings.ALERT_RETRY_SECONDS * 2.0)


def test_a_bot_api_that_never_answers_leaves_the_alert_unconfirmed(telegram):
    telegram.answers = (Answer(reset=True),)
    value_event()
    detect(now=NOW)
    alert = deliver_alert(alert_id=telegram_alert().pk)
    assert alert.status == Alert.UNCONFIRMED
    assert alert.last_error.startswith("attempt 1: no answer after the request was sent: ")
    assert deliver_alert(alert_id=alert.pk).status == Alert.UNCONFIRMED
    assert len(telegram.paths) == 1


def test_the_token_is_never_logged_nor_recorded_nor_shown(telegram, settings, caplog, admin_client, strategy):  # noqa: F811
    # An endpoint that quotes the path it was asked (a proxy's error page would) and one that is down.
    quoting = json.dumps({"ok": False, "error_code": 404, "description": f"Not Found: /bot{TOKEN}/sendMessage"})
    telegram.answers = (recorded("unauthorized", 401), Answer(404, quoting.encode()))
    caplog.set_level(logging.DEBUG)
    value_event()
    detect(now=NOW)
    alert = telegram_alert()
    deliver_alert(alert_id=alert.pk)
    alert = deliver_alert(alert_id=alert.pk)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.TELEGRAM_API_BASE_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
    alert = deliver_alert(alert_id=alert.pk)

    assert alert.status == Alert.FAILED
    assert alert.last_error.startswith("attempt 3: cannot connect: [Errno 111] Connection refused")
    errors = [record.getMessage() for record in caplog.records if record.name == "opportunities.alerts"]
    assert errors[:2] == [
        f"alert {alert.pk} via telegram not delivered: 401 Unauthorized",
        f"alert {alert.pk} via telegram not delivered: 404 Not Found: /bot<TELEGRAM_BOT_TOKEN>/sendMessage",
    ]
    assert TOKEN not in caplog.text
    assert not Alert.objects.filter(last_error__contains=TOKEN).exists()
    assert not Alert.objects.filter(target__contains=TOKEN).exists()
    alert_page = admin_client.get(f"/admin/opportunities/alert/{alert.pk}/change/").content.decode()
    strategy_page = admin_client.get(f"/admin/opportunities/strategy/{strategy.pk}/change/").content.decode()
    assert f'<div class="readonly">{CHAT}</div>' in alert_page
    assert 'name="telegram_chat_id"' in strategy_page
    for html in (alert_page, strategy_page):
        assert TOKEN.split(":")[1] not in html


def test_a_token_that_is_no_bot_token_stops_the_start_without_showing_it():
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "12345:secret value\r\nwith a line break"}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "monps.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode == 1
    assert started.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: TELEGRAM_BOT_TOKEN is not a bot token: digits, a colon, "
        "then letters, digits, - or _"
    )
    assert "secret" not in started.stderr
