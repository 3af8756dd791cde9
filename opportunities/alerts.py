"""Alert delivery: e-mail, a JSON webhook and Telegram, retried, every outcome recorded (admin → Alerts).

What is guaranteed: monps hands an alert to its receiver again only after the receiver answered the
previous hand-over with an error status (at most MAX_ATTEMPTS attempts in all), or when an operator
asks (admin → Alerts → send again). So a receiver that answers truthfully gets each alert once:
``sent`` (it answered 2xx, Telegram answered ``"ok": true``, or the mail server accepted it) or
``unconfirmed`` (handed over once, and its answer never came). Every attempt carries the alert's
idempotency key (``Idempotency-Key`` header and ``idempotency_key`` in the JSON; the e-mail's
``Message-ID``), so a receiver that keeps keys can drop a copy sent after an error or by an
operator. Telegram keeps none: it gets each alert once by the rule above alone. A receiver that
asks for a pause (Telegram's ``retry_after``, a 429 or 503 with ``Retry-After``) gets the next
attempt no sooner.

How. An attempt claims the alert first: a compare-and-set on the row as read (``pending`` →
``sending``, ``claimed_at``), committed, so of two tasks only one claims it. It connects, records
that it hands the message over (``handed_over_at``, a compare-and-set on its own claim, committed)
and only then writes the request (webhook) or the message (SMTP MAIL, RCPT, DATA). Only the claim's
holder records the outcome: ``sent``; ``pending`` again (an error answer, or a failure before
anything was handed over; retried with backoff); ``failed`` (so on the last attempt allowed);
``unconfirmed`` (handed over, then a timeout or a dropped connection instead of an answer).

A task that finds the alert ``sending`` (delivered again after its worker died, or queued twice)
leaves it alone until the claim is ALERT_CLAIM_SECONDS old. Then, if nothing was handed over, it
takes the attempt over (counted in ``reclaims``; should the first holder still be alive, its
hand-over no longer matches its claim and it stops). If something was handed over, the receiver may
have it: the alert becomes ``unconfirmed``, never sent again by itself, since webhooks such as
Slack's, Discord's or ntfy's, and Telegram, do not deduplicate.

The price of never sending twice: a worker lost after recording the hand-over and before the
request was written whole (microseconds for a webhook; the SMTP exchange for an e-mail) leaves
``unconfirmed`` an alert its receiver never got.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from opportunities.alerts_messages import message_text, subject, telegram_payload, webhook_payload
from opportunities.models import Alert, Opportunity, Strategy

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 3
TIMEOUT = 15  # seconds, for each of connect, write and read
MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer read: its status and a short body are all we use
MAX_RETRY_AFTER = 3600  # seconds: a receiver asking for longer is asked again after this


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the receiver asked for before the next attempt


class NotDelivered(DeliveryError):
    """The receiver does not have the message: nothing was handed over, or it answered with an error."""


class DeliveryUncertain(DeliveryError):
    """The message was handed over and no answer came: the receiver may have it."""


class ClaimLost(Exception):
    """A newer attempt took the alert over before this one handed anything over."""


def deliver_alert(*, alert_id: int) -> Alert:
    """One delivery attempt, if one is due. Run it outside any transaction: each step commits.
    Returns the alert as it now stands."""
    alert = Alert.objects.get(pk=alert_id)
    now = timezone.now()
    if alert.status == Alert.SENDING:
        if now < claim_expiry(alert):
            return alert  # its attempt may be under way
        if alert.handed_over_at is not None:  # the receiver may have it
            when = f"{alert.handed_over_at:%Y-%m-%d %H:%M:%S} UTC"
            return _lost(alert, Alert.UNCONFIRMED, f"its worker was lost after handing it over at {when}")
        if alert.attempts >= MAX_ATTEMPTS:
            return _lost(alert, Alert.FAILED, "its worker was lost before handing it over")
    elif alert.status != Alert.PENDING:
        return alert
    if not _claim(alert, now=now):
        return Alert.objects.get(pk=alert_id)  # another task claimed it first
    opportunities = _opportunities(alert)
    if not opportunities:
        _record(alert, status=Alert.FAILED, last_error=f"attempt {alert.attempts}: its opportunities are gone")
        return alert
    try:
        SENDERS[alert.channel](alert, opportunities)
    except ClaimLost:
        return Alert.objects.get(pk=alert_id)
    except NotDelivered as exc:
        status = Alert.FAILED if alert.attempts >= MAX_ATTEMPTS else Alert.PENDING
        retry_after = None if exc.retry_after is None else min(exc.retry_after, MAX_RETRY_AFTER)
        _record(alert, status=status, last_error=f"attempt {alert.attempts}: {exc}"[:2000], retry_after=retry_after)
        logger.warning("alert %s via %s not delivered: %s", alert.pk, alert.channel, exc)
    except DeliveryUncertain as exc:
        _record(alert, status=Alert.UNCONFIRMED, last_error=f"attempt {alert.attempts}: {exc}; not sent again"[:2000])
        logger.warning("alert %s via %s unconfirmed: %s", alert.pk, alert.channel, exc)
    else:
        _record(alert, status=Alert.SENT, sent_at=timezone.now(), last_error="")
    return alert


def claim_expiry(alert: Alert) -> datetime:
    assert alert.claimed_at is not None  # a claimed (sending) alert has its claim's time
    return alert.claimed_at + timedelta(seconds=settings.ALERT_CLAIM_SECONDS)


def retry_in(alert: Alert) -> float | None:
    """Seconds until the alert's delivery is due again (after an error, with backoff; under someone's
    claim, once it expires), or None when there is nothing left to do."""
    if alert.status == Alert.PENDING:
        backoff = settings.ALERT_RETRY_SECONDS * 2 ** max(alert.attempts - 1, 0)
        return float(max(backoff, alert.retry_after or 0))
    if alert.status == Alert.SENDING:
        return max((claim_expiry(alert) - timezone.now()).total_seconds(), 0) + 1
    return None


def enqueue_deliveries(alerts: Iterable[Alert]) -> None:
    """Queue each alert's delivery (queue "alerts") once the transaction that wrote it commits."""
    jobs = [(alert.pk, alert.is_digest) for alert in alerts]

    def enqueue() -> None:
        from opportunities.tasks import send_alert, send_alert_digest

        for pk, is_digest in jobs:
            (send_alert_digest if is_digest else send_alert).delay(pk)

    if jobs:
        transaction.on_commit(enqueue)


def send_again(*, alert_ids: Iterable[int]) -> int:
    """An operator's decision: unconfirmed or failed alerts get another attempt, with the same key."""
    with transaction.atomic():
        done = Alert.objects.select_for_update().filter(status__in=[Alert.UNCONFIRMED, Alert.FAILED])
        alerts = list(done.filter(pk__in=list(alert_ids)))
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts]).update(status=Alert.PENDING)
        enqueue_deliveries(alerts)
    return len(alerts)


def _claim(alert: Alert, *, now: datetime) -> bool:
    """A compare-and-set on the row as this task read it: of two tasks that read it, one claims it. A
    lost worker's attempt is taken over only if it handed nothing over."""
    reclaim = alert.status == Alert.SENDING
    unchanged = Q(pk=alert.pk, status=alert.status, claimed_at=alert.claimed_at)
    if reclaim:
        unchanged &= Q(handed_over_at__isnull=True)
    claimed = Alert.objects.filter(unchanged).update(
        status=Alert.SENDING,
        claimed_at=now,
        handed_over_at=None,
        attempts=F("attempts") + 1,
        reclaims=F("reclaims") + int(reclaim),
    )
    if claimed:
        alert.status, alert.claimed_at, alert.handed_over_at = Alert.SENDING, now, None
        alert.attempts += 1
        alert.reclaims += int(reclaim)
    return bool(claimed)


def _record(alert: Alert, *, only_if: Q | None = None, **fields: object) -> bool:
    """Write fields of the alert's latest attempt, unless a newer claim replaced it."""
    written = Alert.objects.filter(only_if or Q(), pk=alert.pk, claimed_at=alert.claimed_at).update(**fields)
    if written:
        for name, value in fields.items():
            setattr(alert, name, value)
    return bool(written)


def _lost(alert: Alert, status: str, reason: str) -> Alert:
    """The end of an attempt whose worker was lost: never sent again by itself."""
    logger.warning("alert %s via %s %s: %s", alert.pk, alert.channel, status, reason)
    error = f"attempt {alert.attempts}: {reason}; not sent again"
    if _record(alert, only_if=Q(status=Alert.SENDING), status=status, last_error=error):
        return alert
    return Alert.objects.get(pk=alert.pk)  # another task settled it first


def _hand_over(alert: Alert) -> None:
    """Recorded before the first byte of the message is written: only one attempt may hand it over."""
    if not _record(alert, only_if=Q(status=Alert.SENDING, handed_over_at__isnull=True), handed_over_at=timezone.now()):
        raise ClaimLost


def _opportunities(alert: Alert) -> list[Opportunity]:
    ids = alert.listed or [alert.opportunity_id]
    found = Opportunity.objects.select_related("event", "bookmaker", "strategy").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: Message
    body: bytes


def _post(alert: Alert, target: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``target``, recording the hand-over just before the request is written."""
    url = urlsplit(target)
    headers = {"User-Agent": "monps", "Idempotency-Key": str(alert.idempotency_key), **headers}
    if url.username is not None:  # https://user:password@host/… (ntfy's access control)
        credentials = f"{unquote(url.username)}:{unquote(url.password or '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    if url.hostname is None:  # a target saved without the form's URL check
        raise NotDelivered(f"{target!r} names no host")
    connection: HTTPConnection
    if url.scheme == "https":
        connection = HTTPSConnection(url.hostname, url.port, timeout=TIMEOUT, context=ssl.create_default_context())
    else:
        connection = HTTPConnection(url.hostname, url.port, timeout=TIMEOUT)
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    try:
        _step(connection.connect, NotDelivered, "cannot connect")
        _hand_over(alert)
        # A request that did not go out whole is one no receiver acts on.
        _step(lambda: connection.request("POST", path, body=body, headers=headers), NotDelivered, "request not sent")
        response = _step(connection.getresponse, DeliveryUncertain, "no answer after the request was sent")
        answer = _step(lambda: response.read(MAX_ANSWER), DeliveryUncertain, "answer cut short")
    finally:
        connection.close()
    return Answer(response.status, response.reason, response.msg, answer)


def _post_webhook(alert: Alert, opportunities: list[Opportunity]) -> None:
    body = json.dumps(webhook_payload(alert, opportunities)).encode()
    answer = _post(alert, alert.target, body, {"Content-Type": "application/json"})
    if not 200 <= answer.status < 300:
        raise NotDelivered(f"{answer.status} {answer.reason}", retry_after=_retry_after_header(answer))


def _send_telegram(alert: Alert, opportunities: list[Opportunity]) -> None:
    """Bot API sendMessage to the alert's chat. Its answer is ``{"ok": true, "result": …}`` or
    ``{"ok": false, "error_code": 429, "description": …, "parameters": {"retry_after": 1}}``. The token
    is in the URL's path, so every message that could quote the URL is scrubbed of it."""
    token = settings.TELEGRAM_BOT_TOKEN
    if not token:
        raise NotDelivered("TELEGRAM_BOT_TOKEN is not set")
    body = json.dumps(telegram_payload(alert, opportunities)).encode()
    url = f"{settings.TELEGRAM_API_BASE_URL}/bot{token}/sendMessage"
    try:
        answer = _post(alert, url, body, {"Content-Type": "application/json"})
    except (NotDelivered, DeliveryUncertain) as exc:
        raise type(exc)(str(exc).replace(token, "<TELEGRAM_BOT_TOKEN>"), retry_after=exc.retry_after) from None
    try:
        reply = json.loads(answer.body)
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        if 200 <= answer.status < 300:
            raise DeliveryUncertain(f"{answer.status} {answer.reason} without Telegram's answer")
        raise NotDelivered(f"{answer.status} {answer.reason}", retry_after=_retry_after_header(answer))
    if 200 <= answer.status < 300 and reply.get("ok") is True:
        return
    description = str(reply.get("description") or answer.reason).replace(token, "<TELEGRAM_BOT_TOKEN>")
    parameters = reply.get("parameters")
    asked = parameters.get("retry_after") if isinstance(parameters, dict) else None
    retry_after = asked if isinstance(asked, int) and not isinstance(asked, bool) and asked >= 0 else None
    # Telegram said no ("ok": false), whatever the status: it has not sent the message.
    raise NotDelivered(f"{answer.status} {description}"[:500], retry_after=retry_after or _retry_after_header(answer))


def _retry_after_header(answer: Answer) -> int | None:
    """Retry-After in seconds, on the answers that may carry it (429, 503); its date form is not read."""
    value = answer.headers.get("Retry-After", "")
    return int(value) if answer.status in (429, 503) and value.isascii() and value.isdigit() else None


def _send_email(alert: Alert, opportunities: list[Opportunity]) -> None:
    message = EmailMessage(
        subject=subject(alert, opportunities),
        body=message_text(alert, opportunities),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=alert.target.split(","),
        headers={"Message-ID": f"<{alert.idempotency_key}@monps>"},
    )
    connection = get_connection(fail_silently=False, timeout=TIMEOUT)
    try:
        _step(connection.open, NotDelivered, "cannot connect")
        _hand_over(alert)
        try:
            sent = connection.send_messages([message])
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:  # the server said no
            raise NotDelivered(f"refused: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryUncertain(f"no answer after the message was sent: {exc}") from exc
        if not sent:
            raise NotDelivered("the mail backend sent nothing")
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):  # a QUIT unanswered changes nothing
            connection.close()


def _step(call: Callable[[], T], error: type[Exception], what: str) -> T:
    try:
        return call()
    except (OSError, HTTPException, ValueError, smtplib.SMTPException) as exc:
        raise error(f"{what}: {exc}") from exc


SENDERS: dict[str, Callable[[Alert, list[Opportunity]], None]] = {
    Alert.EMAIL: _send_email,
    Alert.WEBHOOK: _post_webhook,
    Alert.TELEGRAM: _send_telegram,
}


def channels(strategy: Strategy) -> list[tuple[str, str]]:
    """Where a strategy's alerts go: (channel, target) for each channel it has and monps is set up for."""
    wanted = []
    if strategy.alert_email and settings.ALERT_EMAIL_TO:
        wanted.append((Alert.EMAIL, ",".join(settings.ALERT_EMAIL_TO)))
    if strategy.webhook_url:
        wanted.append((Alert.WEBHOOK, strategy.webhook_url))
    chat = strategy.telegram_chat_id or settings.TELEGRAM_CHAT_ID
    if strategy.alert_telegram and settings.TELEGRAM_BOT_TOKEN and chat:
        wanted.append((Alert.TELEGRAM, chat))
    return wanted
