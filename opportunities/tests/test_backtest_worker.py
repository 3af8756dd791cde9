"""Backtest runs on real Celery workers and Redis: a run asked through the API is run and answered,
and a worker killed half-way leaves a run that is started again and written once."""

from __future__ import annotations

from decimal import Decimal

import psutil
import psycopg
import pytest
from django.db import connection

from devtools.processes import hold_table, wait_until, waiting_on
from devtools.testing import database_url
from odds.models import Bookmaker, Lease
from opportunities.backtest import read_history, replay, selected_events
from opportunities.backtest_runs import RunRequest, bet_rows, replay_of, start_backtest
from opportunities.models import BacktestBet, BacktestRun
from opportunities.tests.backtest_market import simulated_season
from opportunities.tests.factories import StrategyFactory

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strategy(transactional_db):
    simulated_season(seed=5, events=24)
    return StrategyFactory(
        name="Worked value",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="multiplicative",
        min_edge=Decimal("0.01"),
        min_price=Decimal("1.010"),
        max_price=Decimal("100.000"),
        markets="h2h",
    )


def finished(run_id: int, timeout: float = 90) -> BacktestRun:
    def done() -> BacktestRun | None:
        run = BacktestRun.objects.get(pk=run_id)
        return run if run.done else None

    return wait_until(done, timeout=timeout, what=f"backtest {run_id} to finish")


def expected_rows(run: BacktestRun) -> list[tuple]:
    """The run's bets replayed here, in the test's process, from what the run saved."""
    asked = replay_of(run)
    history = read_history(events=selected_events(sport=asked.sport), strategy=asked.strategy)
    report = replay(history, asked.rules, strategy=asked.strategy)
    return [_row(b) for b in bet_rows(run.pk, report)]


def _row(bet: BacktestBet) -> tuple:
    return (bet.sequence, bet.event_id, bet.bookmaker_id, bet.outcome, bet.price, bet.stake, bet.profit, bet.clv)


def test_a_run_asked_through_the_api_is_run_by_a_worker(celery_worker, strategy, client):
    from web.tests.factories import UserFactory

    client.force_login(UserFactory(username="worked"))
    response = client.post(
        "/api/backtests/", {"strategy": strategy.pk, "staking": "kelly"}, content_type="application/json"
    )
    assert response.status_code == 201
    run = finished(response.json()["id"])
    assert (run.status, run.progress, run.attempts, run.error) == (BacktestRun.FINISHED, 1.0, 1, "")
    answer = client.get(f"/api/backtests/{run.pk}/").json()
    assert answer["summary"]["bets"] == run.bets.count() > 5
    assert [_row(b) for b in run.bets.order_by("sequence")] == expected_rows(run)
    assert not Lease.objects.filter(name=f"backtest:{run.pk}").exists()


def test_a_worker_killed_half_way_leaves_a_run_started_again_and_written_once(start_celery_worker, strategy):
    worker = start_celery_worker("backtests", pool="prefork")
    url = database_url(connection.settings_dict)
    # Readers pass; the run's one write of its bets waits here, its figures computed, in its transaction.
    holder = hold_table(url, "opportunities_backtestbet")
    try:
        run = start_backtest(request=RunRequest(strategy=strategy.pk, staking="kelly"), user=None)
        with psycopg.connect(url, autocommit=True) as observer:
            wait_until(
                lambda: waiting_on(observer, "opportunities_backtestbet"),
                timeout=60,
                what="the run to wait to write its bets",
            )
        assert BacktestRun.objects.get(pk=run.pk).status == BacktestRun.RUNNING
        [child] = psutil.Process(worker.pid).children()
        child.kill()  # the task is given back to the broker (CELERY_TASK_REJECT_ON_WORKER_LOST) and delivered again
        child.wait(10)
    finally:
        holder.rollback()
        holder.close()
    run = finished(run.pk)
    assert (run.status, run.attempts) == (BacktestRun.FINISHED, 2)  # the same task took its lease back
    assert run.bets.count() == run.summary["bets"] > 5
    assert [_row(b) for b in run.bets.order_by("sequence")] == expected_rows(run)
    assert not Lease.objects.filter(name=f"backtest:{run.pk}").exists()
