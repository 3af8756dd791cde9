"""A detection pass that loses its worker half-way: a real Celery worker (prefork, one child) on a
Redis server of the test's own and the test database. The test holds the opportunities table, so
the pass waits there with every price read and its candidates made, and kills the worker's child."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from bets.tests.factories import LedgerEntryFactory
from devtools.processes import broker, hold_table, wait_until, waiting_on, worker_env
from devtools.testing import database_url
from opportunities.detection import detect
from opportunities.models import DetectionRun, Opportunity, Strategy, Surebet
from opportunities.tests.factories import StrategyFactory, event_with, quotes

pytestmark = pytest.mark.celery

EVENTS = 6


@pytest.fixture
def market():
    """Six events whose totals Over at bet365 (2.20) beats Pinnacle's fair 2.00: an opportunity and a
    surebet (bet365 Over with Pinnacle Under) each."""
    now = timezone.now()
    Strategy.objects.all().delete()
    LedgerEntryFactory(amount=Decimal("1000.00"), at=now - timedelta(days=30))
    StrategyFactory(
        pinnacle=True, min_edge=Decimal("0.02"), kelly_fraction=Decimal("0.25"), max_stake_share=Decimal("0.05")
    )
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.20, "Under": 1.70}}
    observed = now - timedelta(minutes=1)
    return [
        event_with(
            f"fault-{n}",
            quotes("Home", prices, market="totals", point=2.5, observed_at=observed),
            home=f"Home {n}",
            away=f"Away {n}",
            kickoff=now + timedelta(days=1),
            collected_at=observed,
        ).pk
        for n in range(EVENTS)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_a_detection_pass_leaves_one_set_of_opportunities(
    transactional_db, market, start_killable_worker, own_redis
):
    url = database_url(connection.settings_dict)
    client = broker(own_redis.url)
    try:
        worker = start_killable_worker(
            env=worker_env(database_url=url, redis_url=own_redis.url), queues=["detection"], name="detect"
        )
        worker.wait_ready(client)
        holder = hold_table(url, "opportunities_opportunity")
        try:
            client.send_task("opportunities.tasks.detect_opportunities", kwargs={"event_ids": market})
            with psycopg.connect(url, autocommit=True) as observer:
                wait_until(
                    lambda: waiting_on(observer, "opportunities_opportunity"),
                    timeout=30,
                    what="the pass to wait for opportunities_opportunity",
                    log=worker.tail,
                )
            worker.kill_child()
        finally:
            holder.rollback()
            holder.close()
        wait_until(
            lambda: DetectionRun.objects.exists(),
            timeout=60,
            what="the redelivered pass to complete",
            log=worker.tail,
        )
    finally:
        client.close()

    run = DetectionRun.objects.get()  # the killed pass rolled back entirely: no run, no rows of its own
    assert (run.events, run.created) == (EVENTS, EVENTS)
    active = Opportunity.objects.active()
    assert active.count() == EVENTS
    assert not active.values("strategy", "selection", "bookmaker").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert sorted(active.values_list("event_id", "outcome", "price")) == [
        (pk, "Over", Decimal("2.200")) for pk in sorted(market)
    ]
    assert Surebet.objects.count() == EVENTS
    again = detect(event_ids=market)  # a pass by hand finds the set complete: each seen again, none new
    assert (again.created, again.updated) == ([], EVENTS)
    assert Opportunity.objects.count() == EVENTS
