"""Collecting from The Odds API: one sport at a time, inside the credit budget, recorded as a run."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from odds import services, store
from odds.ingest import IngestResult, ingest_snapshot
from odds.models import ODDS_API, CollectorRun, Event, Lease, Sport
from odds.providers.odds_api import (
    ApiResponse,
    BadRequest,
    HistoricalSnapshot,
    OddsApiClient,
    OddsApiError,
    QuotaExhausted,
    Usage,
    historical_odds_cost,
    ingest_odds,
    odds_cost,
    parse_historical,
    parse_scores,
)
from odds.schedule import Decision, SchedulePolicy, budget_interval, collection_due, month_start
from ops.logging import run_context

logger = logging.getLogger(__name__)
T = TypeVar("T")

# 401 codes of The Odds API: collecting again with the same key cannot succeed.
KEY_ERRORS = {"MISSING_KEY", "INVALID_KEY", "DEACTIVATED_KEY", "OUT_OF_USAGE_CREDITS"}


class CollectionSkipped(Exception):
    """Nothing was called: no key, a rejected key, the reserve, or another collection running."""


def key_fingerprint(key: str | None = None) -> str:
    """A short hash that tells keys apart without storing or logging the key itself."""
    key = settings.ODDS_API_KEY if key is None else key
    return hashlib.sha256(key.encode()).hexdigest()[:12] if key else ""


def collection_blocked() -> str:
    """The reason collection is stopped: the last API call rejected the key now configured."""
    if not settings.ODDS_API_KEY:
        return ""
    last = (
        CollectorRun.objects.filter(source=ODDS_API)
        .exclude(status__in=[CollectorRun.RUNNING, CollectorRun.SKIPPED])
        .only("status", "error", "error_code", "key_fingerprint")
        .first()
    )
    if last and last.error_code in KEY_ERRORS and last.key_fingerprint == key_fingerprint():
        if last.error_code == "OUT_OF_USAGE_CREDITS" and last.started_at < month_start(timezone.now()):
            return ""  # credits were spent last month; they have been reset since
        return f"The Odds API rejected the key ({last.error_code}): {last.error}"
    return ""


def client() -> OddsApiClient:
    return OddsApiClient(
        api_key=settings.ODDS_API_KEY,
        base_url=settings.ODDS_API_BASE_URL,
        timeout=settings.ODDS_API_TIMEOUT,
        max_retries=settings.ODDS_API_RETRIES,
        backoff=settings.ODDS_API_BACKOFF,
        backoff_max=settings.ODDS_API_BACKOFF_MAX,
    )


def sport_markets(sport: Sport | None) -> list[str]:
    return _split(sport.markets if sport else "") or list(settings.ODDS_API_MARKETS)


def sport_regions(sport: Sport | None) -> list[str]:
    return _split(sport.regions if sport else "") or list(settings.ODDS_API_REGIONS)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def credits_left(now: datetime | None = None) -> int | None:
    """Credits left this month, from the last response's headers; None when unknown."""
    now = now or timezone.now()
    last = (
        CollectorRun.objects.filter(source=ODDS_API, credits_remaining__isnull=False)
        .only("started_at", "credits_remaining")
        .first()
    )
    if last is None:
        return None
    if last.started_at < month_start(now):
        return settings.ODDS_API_MONTHLY_CREDITS  # reset since the last call
    return last.credits_remaining


@contextmanager
def sport_lock(kind: str, sport_key: str, *, holder: str | None = None) -> Iterator[bool]:
    """One collection per sport at a time, across every worker: a lease in the database that expires
    by itself (``COLLECTION_LEASE_SECONDS``), so a worker killed while holding it blocks nobody for
    long, and the same task redelivered (``holder``, its task id) takes it back at once."""
    name, holder = f"{kind}:{sport_key}", holder or uuid.uuid4().hex
    ttl = timedelta(seconds=settings.COLLECTION_LEASE_SECONDS)
    acquired = store.take_lease(name=name, holder=holder, ttl=ttl)
    try:
        yield acquired
    finally:
        if acquired:
            Lease.objects.filter(name=name, holder=holder).delete()


@dataclass
class CollectionOutcome:
    run: CollectorRun
    event_ids: list[int]


def collect_sport(
    *,
    sport_key: str,
    api: OddsApiClient | None = None,
    now: datetime | None = None,
    holder: str | None = None,
    queued_at: datetime | None = None,
) -> CollectionOutcome:
    """Call ``/odds`` for one sport and ingest the answer; the run records what happened, and always
    ends (``ok``, ``skipped`` or ``failed`` with its reason). A collection asked for at ``queued_at``
    is skipped when the sport was collected since (see ``_check_not_collected_since``)."""
    now = now or timezone.now()
    sport = Sport.objects.filter(key=sport_key).first()
    markets, regions = sport_markets(sport), sport_regions(sport)
    run = CollectorRun(
        kind="odds", source=ODDS_API, sport_key=sport_key, started_at=now, key_fingerprint=key_fingerprint()
    )
    with sport_lock("odds", sport_key, holder=holder) as acquired:
        try:
            if not acquired:
                raise CollectionSkipped(f"a collection of {sport_key} is already running")
            _check_not_collected_since(sport_key, queued_at)
            _check_can_spend(odds_cost(markets, regions))
        except CollectionSkipped as exc:
            return CollectionOutcome(_finish(run, CollectorRun.SKIPPED, error=str(exc)), [])
        end_lost_runs(kind="odds", sport_key=sport_key, now=now)
        run.save()
        with run_context(run.pk):
            try:
                return _collect(run, sport_key, regions, markets, api)
            except Exception as exc:
                _end_failed(run, exc)
                raise


def _collect(
    run: CollectorRun, sport_key: str, regions: list[str], markets: list[str], api: OddsApiClient | None
) -> CollectionOutcome:
    logger.info("collecting %s: markets %s, regions %s", sport_key, ",".join(markets), ",".join(regions))
    try:
        response = (api or client()).odds(
            sport_key, regions=regions, markets=markets, bet_limits=settings.ODDS_API_BET_LIMITS
        )
    except OddsApiError as exc:
        return CollectionOutcome(_fail(run, exc), [])
    # The credits are spent: recorded at once, so that a worker lost during the ingestion cannot hide
    # them from the budget, and a database that went away meanwhile is waited for.
    _record_usage(run, response)
    _with_database(lambda: run.save(update_fields=USAGE_FIELDS))
    received = timezone.now()  # every price of the response, changed or not, was quoted then
    snapshot, result = _with_database(lambda: ingest_odds(response.payload, collected_at=received, seen_at=received))
    run.events_seen, run.prices_seen = len(snapshot.events), result.prices_seen
    run.history_written, run.rejected = result.history_written, len(result.rejected)
    run.error = "\n".join(result.rejected[:50])
    for reason in result.rejected:
        logger.warning("rejected: %s", reason)
    logger.info(
        "collected %s: %d events, %d prices, %d history rows",
        sport_key,
        run.events_seen,
        run.prices_seen,
        run.history_written,
    )
    return CollectionOutcome(_finish(run, CollectorRun.OK), result.event_ids)


@dataclass
class HistoricalFetch:
    run: CollectorRun
    snapshot: HistoricalSnapshot | None = None  # None: not called (the budget), or failed
    result: IngestResult | None = None


def fetch_historical(
    *,
    sport_key: str,
    date: datetime,
    markets: list[str],
    regions: list[str],
    api: OddsApiClient | None = None,
    on_ingested: Callable[[HistoricalSnapshot, CollectorRun, IngestResult], None] | None = None,
) -> HistoricalFetch:
    """One ``/v4/historical`` call for the snapshot of ``sport_key`` at or before ``date``, inside the
    credit budget as a live collection is, recorded as a ``backfill`` run (whose credits the budget
    then counts), and ingested as a live answer is, seen at the snapshot's own time. ``on_ingested``
    runs in the ingestion's transaction: what it records is there exactly when the prices are."""
    run = CollectorRun(
        kind="backfill",
        source=ODDS_API,
        sport_key=sport_key,
        started_at=timezone.now(),
        key_fingerprint=key_fingerprint(),
    )
    refused = spending_refused(historical_odds_cost(markets, regions))
    if refused:
        return HistoricalFetch(_finish(run, CollectorRun.SKIPPED, error=refused))
    run.save()
    with run_context(run.pk):
        try:
            return _fetch_historical(run, sport_key, date, markets, regions, api, on_ingested)
        except Exception as exc:
            _end_failed(run, exc)
            raise


def _fetch_historical(
    run: CollectorRun,
    sport_key: str,
    date: datetime,
    markets: list[str],
    regions: list[str],
    api: OddsApiClient | None,
    on_ingested: Callable[[HistoricalSnapshot, CollectorRun, IngestResult], None] | None,
) -> HistoricalFetch:
    try:
        response = (api or client()).historical_odds(sport_key, date=date, regions=regions, markets=markets)
    except OddsApiError as exc:
        return HistoricalFetch(_fail(run, exc))
    _record_usage(run, response)  # spent, whatever the body turns out to be
    _with_database(lambda: run.save(update_fields=USAGE_FIELDS))
    try:
        snapshot = parse_historical(response.payload)
    except OddsApiError as exc:
        return HistoricalFetch(_fail(run, exc))

    def ingest() -> IngestResult:
        with transaction.atomic():
            _, result = ingest_odds(snapshot.data, collected_at=snapshot.timestamp, seen_at=snapshot.timestamp)
            if on_ingested is not None:
                on_ingested(snapshot, run, result)
        return result

    result = _with_database(ingest)
    run.events_seen, run.prices_seen = result.events, result.prices_seen
    run.history_written, run.rejected = result.history_written, len(result.rejected)
    run.error = "\n".join(result.rejected[:50])
    logger.info(
        "backfilled %s at %s: %d events, %d prices, %d history rows",
        sport_key,
        f"{snapshot.timestamp:%Y-%m-%d %H:%M}",
        run.events_seen,
        run.prices_seen,
        run.history_written,
    )
    return HistoricalFetch(_finish(run, CollectorRun.OK), snapshot, result)


def _check_not_collected_since(sport_key: str, queued_at: datetime | None) -> None:
    """A collection asked for at ``queued_at`` is done once a run of the sport that started after it
    ended ``ok``: the task's own, delivered again because the broker lost its acknowledgement (Redis
    restarted meanwhile), or another asked for at the same time. Calling again would spend credits
    on the same prices."""
    if queued_at is None:
        return
    done = (
        CollectorRun.objects.filter(
            kind="odds", source=ODDS_API, sport_key=sport_key, status=CollectorRun.OK, started_at__gte=queued_at
        )
        .only("started_at")
        .first()
    )
    if done is not None:
        raise CollectionSkipped(
            f"{sport_key} was collected at {done.started_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"after this collection was asked for ({queued_at:%H:%M:%S})"
        )


def spending_refused(cost: int) -> str:
    """Why a call costing ``cost`` credits must not be made now, or "" when it may: no key, a key
    the API rejected, or credits that would fall into ``ODDS_API_CREDIT_RESERVE``."""
    if not settings.ODDS_API_KEY:
        return "ODDS_API_KEY is not set"
    blocked = collection_blocked()
    if blocked:
        return blocked
    left = credits_left()
    if left is not None and left - cost < settings.ODDS_API_CREDIT_RESERVE:
        return (
            f"{left} credits left: a call costing {cost} would spend into the reserve of "
            f"{settings.ODDS_API_CREDIT_RESERVE} (ODDS_API_CREDIT_RESERVE)"
        )
    return ""


def _check_can_spend(cost: int) -> None:
    reason = spending_refused(cost)
    if reason:
        raise CollectionSkipped(reason)


USAGE_FIELDS = ["credits_remaining", "credits_used", "credits_last"]


def _record_usage(run: CollectorRun, response: ApiResponse | None, usage: Usage | None = None) -> None:
    usage = usage or (response.usage if response else Usage())
    run.credits_remaining, run.credits_used, run.credits_last = usage.remaining, usage.used, usage.last


def _fail(run: CollectorRun, exc: OddsApiError) -> CollectorRun:
    logger.error("collection of %s failed: %s", run.sport_key, exc.message)
    if isinstance(exc, QuotaExhausted):
        run.credits_remaining = 0
    return _finish(
        run,
        CollectorRun.FAILED,
        error=exc.message,
        error_code=exc.error_code or ("BAD_REQUEST" if isinstance(exc, BadRequest) else "PROVIDER_ERROR"),
    )


def _with_database(write: Callable[[], T]) -> T:
    """``write()``, again after a lost database connection (a restart, a failover), with backoff."""
    delays = settings.DATABASE_RETRY_DELAYS
    for attempt, delay in enumerate([*delays, None]):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if delay is None or connection.in_atomic_block:
                raise
            logger.warning("database unavailable (attempt %d), retrying in %s s", attempt + 1, delay)
            connection.close()
            time.sleep(delay)
    raise AssertionError("unreachable")


def _end_failed(run: CollectorRun, exc: BaseException) -> None:
    """A run that broke on something unexpected still ends, with the reason."""
    logger.exception("collection of %s failed", run.sport_key)
    reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
    try:
        _with_database(lambda: _finish(run, CollectorRun.FAILED, error=reason, error_code="INTERNAL_ERROR"))
    except (OperationalError, InterfaceError):
        logger.error("could not record the end of run %s; it will be ended as stale", run.pk)


def _finish(run: CollectorRun, status: str, *, error: str = "", error_code: str = "") -> CollectorRun:
    run.status = status
    run.finished_at = timezone.now()
    if error:
        run.error = error
    run.error_code = error_code or run.error_code
    run.save()
    return run


def collect_scores(
    *, sport_key: str, api: OddsApiClient | None = None, days_from: int | None = 3, holder: str | None = None
) -> CollectorRun:
    from odds.scores import ingest_scores

    run = CollectorRun(
        kind="scores",
        source=ODDS_API,
        sport_key=sport_key,
        started_at=timezone.now(),
        key_fingerprint=key_fingerprint(),
    )
    with sport_lock("scores", sport_key, holder=holder) as acquired:
        try:
            if not acquired:
                raise CollectionSkipped(f"a scores collection of {sport_key} is already running")
            _check_can_spend(2 if days_from else 1)
        except CollectionSkipped as exc:
            return _finish(run, CollectorRun.SKIPPED, error=str(exc))
        end_lost_runs(kind="scores", sport_key=sport_key)
        run.save()
        try:
            try:
                response = (api or client()).scores(sport_key, days_from=days_from)
                updates, rejected = parse_scores(response.payload)
            except OddsApiError as exc:
                return _fail(run, exc)
            result = _with_database(lambda: ingest_scores(updates=updates))
            _record_usage(run, response)
            run.events_seen, run.rejected, run.error = result.updated, len(rejected), "\n".join(rejected[:50])
            return _finish(run, CollectorRun.OK)
        except Exception as exc:
            _end_failed(run, exc)
            raise


def end_stale_runs(*, now: datetime | None = None) -> int:
    """Runs still ``running`` after their lease expired lost their worker: they end as failed."""
    now = now or timezone.now()
    limit = timedelta(seconds=settings.COLLECTION_LEASE_SECONDS)
    stale = CollectorRun.objects.filter(status=CollectorRun.RUNNING, started_at__lt=now - limit)
    return stale.update(
        status=CollectorRun.FAILED,
        finished_at=now,
        error=f"did not finish within {limit.seconds // 60} minutes: its worker was lost",
        error_code="STALE",
    )


def end_lost_runs(*, kind: str, sport_key: str, now: datetime | None = None) -> int:
    """Runs of this kind and sport still ``running`` when their lease is taken again lost their worker
    (a killed pool child, a killed or restarted worker): one collection of a sport holds the lease at a
    time, so none of them is still going. The same task delivered again ends its own lost run here."""
    return CollectorRun.objects.filter(
        status=CollectorRun.RUNNING, kind=kind, source=ODDS_API, sport_key=sport_key
    ).update(
        status=CollectorRun.FAILED,
        finished_at=now or timezone.now(),
        error="its worker stopped before the end was recorded (killed, restarted, or without its database)",
        error_code="WORKER_LOST",
    )


def refresh_fixtures(*, sport_key: str, api: OddsApiClient | None = None) -> int:
    """The free ``/events`` endpoint: learn kick-offs without spending credits."""
    from odds.ingest import EventOdds, Snapshot
    from odds.providers.odds_api import parse_time

    response = (api or client()).events(sport_key)
    snapshot = Snapshot()
    for raw in response.payload if isinstance(response.payload, list) else []:
        try:
            snapshot.events.append(
                EventOdds(
                    source=ODDS_API,
                    provider_id=raw["id"],
                    sport_key=raw["sport_key"],
                    sport_title=raw.get("sport_title", ""),
                    home_team=raw["home_team"],
                    away_team=raw["away_team"],
                    commence_time=parse_time(raw["commence_time"], f"event {raw.get('id')}"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("fixture skipped: %s", exc)
    return ingest_snapshot(snapshot=snapshot).events


def refresh_sports(*, api: OddsApiClient | None = None) -> int:
    """The free ``/sports`` list (with out-of-season sports): keys, groups, titles and whether in season."""
    response = (api or client()).sports(include_all=True)
    if not isinstance(response.payload, list):
        raise OddsApiError(f"sports response is a {type(response.payload).__name__}, expected a list")
    return services.update_sports(
        listings=[
            services.SportListing(
                key=raw["key"],
                title=raw.get("title") or raw["key"],
                group=raw.get("group", ""),
                active=bool(raw.get("active", True)),
            )
            for raw in response.payload
            if isinstance(raw, dict) and isinstance(raw.get("key"), str)
        ]
    )


def sports_to_collect() -> list[str]:
    keys = list(Sport.objects.filter(collect=True, active=True).values_list("key", flat=True))
    return keys or list(settings.ODDS_API_SPORTS)


def decide(sport_key: str, *, now: datetime | None = None, policy: SchedulePolicy | None = None) -> Decision:
    """Whether ``sport_key`` is due for an ``/odds`` call now."""
    now = now or timezone.now()
    policy = policy or SchedulePolicy()
    kickoffs = list(
        Event.objects.filter(
            sport__key=sport_key, source=ODDS_API, commence_time__gt=now, commence_time__lte=now + policy.horizon
        ).values_list("commence_time", flat=True)
    )
    last = CollectorRun.objects.filter(
        kind="odds", source=ODDS_API, sport_key=sport_key, status=CollectorRun.OK
    ).aggregate(last=Max("started_at"))["last"]
    sport = Sport.objects.filter(key=sport_key).first()
    pacing = budget_interval(
        now=now,
        credits_left=credits_left(now),
        reserve=settings.ODDS_API_CREDIT_RESERVE,
        cost=odds_cost(sport_markets(sport), sport_regions(sport)),
        sports=len(sports_to_collect()),
    )
    return collection_due(now=now, kickoffs=kickoffs, last_collection=last, policy=policy, budget_interval=pacing)
