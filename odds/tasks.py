"""Celery tasks of the odds app: they take keys and ids, call one service, and record the outcome."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import Task, shared_task
from celery.result import AsyncResult
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from odds import collector
from odds.models import ODDS_API, CollectorRun, Event

logger = logging.getLogger(__name__)


def _after_prices(event_ids: list[int]) -> None:
    """Detection runs on the events whose prices changed, once the prices are committed."""
    if event_ids:
        transaction.on_commit(
            lambda: _queue("opportunities.tasks.detect_opportunities", {"event_ids": event_ids}, "the next full pass")
        )


def _queue(name: str, kwargs: dict[str, Any], catch_up: str) -> None:
    """Queue a follow-up task. With the broker down, the work done stays done and is not failed
    for this: the follow-up is left to the beat schedule (``catch_up`` says which entry)."""
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from monps.celery import app

    try:
        app.send_task(name, kwargs=kwargs)
    except BrokerUnavailable as exc:
        logger.warning("%s not queued (broker unavailable: %s); %s will do it", name, exc, catch_up)


class CollectionTask(Task[Any, Any]):
    """Sent with the time it was asked for, so that a delivery repeated after its collection was done
    (the broker lost the acknowledgement) is skipped instead of spending the credits again."""

    def apply_async(
        self, args: tuple[Any, ...] | None = None, kwargs: dict[str, Any] | None = None, *more: Any, **options: Any
    ) -> AsyncResult[Any]:
        kwargs = {"queued_at": timezone.now().isoformat(), **(kwargs or {})}
        return super().apply_async(args, kwargs, *more, **options)


@shared_task(bind=True, acks_late=True, base=CollectionTask)
def collect_odds(self: Task[Any, Any], sport_key: str, queued_at: str | None = None) -> str:
    # The task id holds the sport's lease: delivered again after its worker died, it takes it back.
    outcome = collector.collect_sport(
        sport_key=sport_key, holder=self.request.id, queued_at=datetime.fromisoformat(queued_at) if queued_at else None
    )
    _after_prices(outcome.event_ids)
    return outcome.run.status


@shared_task
def plan_collections() -> list[str]:
    """Every few minutes: queue a collection for each sport that the schedule says is due."""
    collector.end_stale_runs()
    if not settings.ODDS_API_KEY or collector.collection_blocked():
        return []
    queued = []
    for sport_key in collector.sports_to_collect():
        decision = collector.decide(sport_key)
        if decision.due:
            logger.info("collect %s: %s", sport_key, decision.reason)
            collect_odds.delay(sport_key)
            queued.append(sport_key)
    return queued


@shared_task(acks_late=True)
def refresh_sports() -> int:
    """The free sports list: which sports exist and which are in season."""
    if not settings.ODDS_API_KEY or collector.collection_blocked():
        return 0
    return collector.refresh_sports()


@shared_task(acks_late=True)
def refresh_fixtures() -> int:
    """The free events endpoint keeps kick-offs known, so the schedule knows when to spend."""
    if not settings.ODDS_API_KEY or collector.collection_blocked():
        return 0
    return sum(collector.refresh_fixtures(sport_key=key) for key in collector.sports_to_collect())


@shared_task(bind=True, acks_late=True)
def collect_scores(self: Task[Any, Any]) -> int:
    """Scores for sports with events that started in the last three days and are not completed."""
    if not settings.ODDS_API_KEY or collector.collection_blocked():
        return 0
    now = timezone.now()
    started = (
        Event.objects.filter(
            source=ODDS_API, completed=False, commence_time__lte=now, commence_time__gte=now - timedelta(days=3)
        )
        .values_list("sport__key", flat=True)
        .distinct()
    )
    runs = 0
    for sport_key in started:
        # The task id holds each sport's lease, as for odds: delivered again, it takes them back.
        run = collector.collect_scores(sport_key=sport_key, holder=f"{self.request.id}:{sport_key}")
        runs += run.status == CollectorRun.OK
    if runs:
        _after_scores()
    return runs


def _after_scores() -> None:
    transaction.on_commit(lambda: _queue("bets.tasks.settle_bets", {}, "the settle-bets schedule"))


@shared_task(acks_late=True)
def demo_tick(seed: int = 7) -> int:
    """The demo market moves on: one snapshot now, through the same ingestion path."""
    from odds.demo import collect_demo, demo_active

    if not demo_active():
        return 0
    run, result = collect_demo(now=timezone.now(), seed=seed)
    with transaction.atomic():
        _after_prices(result.event_ids)
        _after_scores()
        # The soft book limits a bettor who won there (bets.demo): the results settled so far count.
        transaction.on_commit(lambda: _queue("bets.tasks.limit_demo_bettor", {}, "the next demo tick"))
    logger.info("demo tick: %d history rows", result.history_written, extra={"run_id": run.pk})
    return result.history_written
