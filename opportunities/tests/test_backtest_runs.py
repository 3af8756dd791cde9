"""Saved backtest runs: their figures against a plain-Python computation over the same simulated bets,
a run reproduced exactly by running it again, and a run that is never doubled however its task is
delivered (the worker itself: test_backtest_worker.py)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from odds.models import Bookmaker, Lease
from opportunities.backtest_runs import RunRequest, execute_backtest, rerun_backtest, resume_backtests, start_backtest
from opportunities.models import BacktestBet, BacktestRun
from opportunities.tests.backtest_market import ACCOUNTS, SOFT, simulated_season
from opportunities.tests.factories import StrategyFactory
from stats import formulas

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


@pytest.fixture
def season():
    return simulated_season()


@pytest.fixture
def strategy(season):
    return StrategyFactory(
        name="Simulated value",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="multiplicative",
        min_edge=Decimal("0.01"),
        min_price=Decimal("1.010"),
        max_price=Decimal("100.000"),
        markets="h2h",
        kelly_fraction=Decimal("0.500"),
        max_stake_share=Decimal("0.050"),
    )


def started(strategy, **asked) -> BacktestRun:
    run = start_backtest(request=RunRequest(strategy=strategy.name, **asked), user=None)
    return execute_backtest(run_id=run.pk, holder=f"test-{run.pk}")


@dataclass
class PlainBet:
    kickoff: object
    outcome: str
    bookmaker: str
    price: Decimal
    stake: Decimal
    profit: Decimal
    clv: float


def plain_python(lines, *, fraction, cap, min_edge, bankroll, flat=None):
    """The strategy's bets computed here from the prices the season was made of, without the engine:
    the fair price is Pinnacle's opening line normalised (1/o over the booksum), each outcome is bet
    at the soft book with an account whose price net of commission has the best edge, staked by Kelly
    from the bankroll as the results known three hours after each kick-off left it, capped, limited
    and rounded down; its CLV is the net price against Pinnacle's closing line normalised."""
    accounts = {b: ACCOUNTS.get(b, {}) for b in SOFT}
    known = Decimal(bankroll)
    pending: list[tuple[object, int, Decimal]] = []
    results: list[tuple[object, int, Decimal]] = []
    bets: list[PlainBet] = []
    ordered = sorted(lines, key=lambda line: (line.event.commence_time, line.event.pk))
    for line in ordered:
        event = line.event
        moment = event.commence_time - timedelta(hours=24)
        for item in sorted(p for p in pending if p[0] <= moment):
            known += item[2]
            pending.remove(item)
        names = {"H": event.home_team, "D": "Draw", "A": event.away_team}
        reference = line.opening["pinnacle"]
        booksum = sum(1 / reference[k] for k in "HDA")
        fair = {names[k]: (1 / reference[k]) / booksum for k in "HDA"}
        closing_sum = sum(1 / line.closing["pinnacle"][k] for k in "HDA")
        closing = {names[k]: (1 / line.closing["pinnacle"][k]) / closing_sum for k in "HDA"}
        result = "H" if event.home_score > event.away_score else "A" if event.away_score > event.home_score else "D"
        for key in sorted(names, key=lambda k: names[k]):  # outcomes by name, as the line lists them
            outcome, best = names[key], None
            for book in sorted(SOFT):
                account = accounts[book]
                if account.get("active") is False:
                    continue
                price = Decimal(str(line.opening[book][key]))
                commission = account.get("commission", Decimal(0))
                net = 1 + (price - 1) * (1 - commission)
                edge = float(net) * fair[outcome] - 1
                if edge >= min_edge and (best is None or edge > best[0]):
                    best = (edge, book, price, net)
            if best is None:
                continue
            edge, book, price, net = best
            if flat is None:
                b = float(net) - 1
                share = min((b * fair[outcome] - (1 - fair[outcome])) / b * fraction, cap)
                wanted = known * Decimal(repr(share))
            else:
                wanted = Decimal(flat)
            if "max_stake" in accounts[book]:
                wanted = min(wanted, accounts[book]["max_stake"])
            unit = accounts[book].get("stake_rounding", CENT)
            stake = ((wanted / unit).to_integral_value(ROUND_DOWN) * unit).quantize(CENT)
            if stake <= 0:
                continue
            won = key == result
            profit = (stake * (net - 1)).quantize(CENT, ROUND_HALF_UP) if won else -stake
            pending.append((event.commence_time + timedelta(hours=3), len(bets), profit))
            results.append(pending[-1])
            bets.append(
                PlainBet(event.commence_time, outcome, book, price, stake, profit, float(net) * closing[outcome] - 1)
            )
    balances = [Decimal(bankroll)]
    for item in sorted(results):
        balances.append(balances[-1] + item[2])
    return bets, balances


def test_a_runs_figures_are_those_of_a_plain_python_computation(season, strategy):
    run = started(strategy, staking="kelly")
    assert run.status == BacktestRun.FINISHED
    bets, balances = plain_python(season, fraction=0.5, cap=0.05, min_edge=0.01, bankroll=1000)
    # The season exercises every rule: the exchange's commission and stake unit, a stake limit, and a
    # book without an account that often has the best price.
    books = {b.bookmaker for b in bets}
    assert {"betfair_ex_eu", "williamhill"} <= books
    assert "unibet_eu" not in books
    assert any(b.bookmaker == "williamhill" and b.stake == Decimal("8.00") for b in bets)
    assert all(b.stake % 2 == 0 for b in bets if b.bookmaker == "betfair_ex_eu")

    saved = list(run.bets.select_related("bookmaker", "event").order_by("sequence"))
    assert [(b.event.commence_time, b.outcome, b.bookmaker.key, b.price, b.stake, b.profit) for b in saved] == [
        (b.kickoff, b.outcome, b.bookmaker, b.price, b.stake, b.profit) for b in bets
    ]
    assert [float(b.clv) for b in saved] == pytest.approx([b.clv for b in bets], abs=1e-6)

    s = run.summary
    staked, profit = sum(b.stake for b in bets), sum(b.profit for b in bets)
    clvs = [b.clv for b in bets]
    peak, drawdown = balances[0], Decimal(0)
    for balance in balances:
        peak = max(peak, balance)
        drawdown = max(drawdown, peak - balance)
    assert (s["bets"], s["staked"], s["profit"]) == (len(bets), float(staked), float(profit))
    assert s["yield"] == pytest.approx(float(profit / staked), rel=1e-12)
    assert s["average_clv"] == pytest.approx(statistics.fmean(clvs), rel=1e-9)
    assert s["max_drawdown"] == float(drawdown)
    assert s["final_bankroll"] == float(balances[-1])
    mean, sd = statistics.fmean(clvs), statistics.stdev(clvs)
    t = mean / (sd / math.sqrt(len(clvs)))
    assert s["verdict"]["clv_t"] == pytest.approx(t, rel=1e-9)
    assert s["verdict"]["clv_p_value"] == pytest.approx(formulas.student_t_sf(t, len(clvs) - 1), rel=1e-9)
    expected_needed = max(0, math.ceil((1.645 * sd / mean) ** 2) - len(clvs)) if mean > 0 else None
    assert s["verdict"]["bets_needed"] == expected_needed
    assert s["verdict"]["yield_ci95"] == list(
        formulas.yield_interval([(float(b.stake), float(b.profit)) for b in bets])
    )
    assert [balance for _, balance in run.curve] == [float(b) for b in balances]


def test_flat_stakes_are_limited_and_rounded_too(season, strategy):
    run = started(strategy, flat_stake=20.0)
    bets, _ = plain_python(season, fraction=None, cap=None, min_edge=0.01, bankroll=1000, flat=20)
    saved = list(run.bets.select_related("bookmaker").order_by("sequence"))
    assert [(b.bookmaker.key, b.stake, b.profit) for b in saved] == [(b.bookmaker, b.stake, b.profit) for b in bets]
    assert {b.stake for b in bets if b.bookmaker == "williamhill"} == {Decimal("8.00")}
    assert run.summary["staked"] == float(sum(b.stake for b in bets))


def test_a_saved_run_is_reproduced_exactly_by_running_it_again(season, strategy):
    first = started(strategy, staking="kelly", rules={"min_edge": 0.02})
    assert first.summary["bets"] > 5
    # What the run replays was saved with it: changing the strategy or an account later changes nothing.
    strategy.min_edge = Decimal("0.10")
    strategy.save()
    Bookmaker.objects.filter(key="betfair_ex_eu").update(commission=Decimal("0.10"))
    again = rerun_backtest(run_id=first.pk, user=None)
    again = execute_backtest(run_id=again.pk, holder="again")
    assert again.pk != first.pk

    def rows(run):
        fields = [f.name for f in BacktestBet._meta.fields if f.name not in ("id", "run")]
        return list(run.bets.order_by("sequence").values_list(*fields))

    assert rows(again) == rows(first)
    assert (again.summary, again.curve, again.breakdowns) == (first.summary, first.curve, first.breakdowns)
    assert (again.parameters, again.rules) == (first.parameters, first.rules)
    # A new run of the changed strategy does change.
    changed = started(strategy, staking="kelly")
    assert changed.summary["bets"] < first.summary["bets"]


def test_a_run_is_never_run_twice(season, strategy):
    run = started(strategy)
    count = run.bets.count()
    assert count == run.summary["bets"] > 0
    # The same task delivered again, or another: the run is finished, nothing is written.
    assert execute_backtest(run_id=run.pk, holder=f"test-{run.pk}").status == BacktestRun.FINISHED
    assert execute_backtest(run_id=run.pk, holder="another").finished_at == run.finished_at
    assert BacktestBet.objects.filter(run=run).count() == count
    run.refresh_from_db()
    assert run.attempts == 1


def test_a_run_held_by_another_worker_is_left_to_it(season, strategy):
    run = start_backtest(request=RunRequest(strategy=strategy.pk), user=None)
    Lease.objects.create(name=f"backtest:{run.pk}", holder="busy", expires_at=timezone.now() + timedelta(minutes=20))
    assert execute_backtest(run_id=run.pk, holder="second").status == BacktestRun.QUEUED
    assert run.bets.count() == 0
    assert resume_backtests(now=timezone.now() + timedelta(minutes=11)) == []  # held: not sent again


def test_a_killed_workers_run_is_started_again_once(season, strategy):
    run = start_backtest(request=RunRequest(strategy=strategy.pk), user=None)
    # What a worker killed mid-run leaves: the run running, its lease held until it expires.
    BacktestRun.objects.filter(pk=run.pk).update(status=BacktestRun.RUNNING, attempts=1, progress=0.4)
    lease = Lease.objects.create(
        name=f"backtest:{run.pk}", holder="killed", expires_at=timezone.now() + timedelta(minutes=5)
    )
    assert resume_backtests() == []
    assert execute_backtest(run_id=run.pk, holder="redelivered-elsewhere").status == BacktestRun.RUNNING
    lease.expires_at = timezone.now() - timedelta(minutes=10)  # the database's now() is the test transaction's start
    lease.save()
    assert resume_backtests() == [run.pk]
    run.refresh_from_db()
    assert run.status == BacktestRun.QUEUED
    finished = execute_backtest(run_id=run.pk, holder="new-task")
    assert (finished.status, finished.attempts, finished.progress) == (BacktestRun.FINISHED, 2, 1.0)
    assert finished.bets.count() == finished.summary["bets"] == started(strategy).summary["bets"]
    assert not Lease.objects.filter(name=f"backtest:{run.pk}").exists()


def test_a_run_whose_workers_keep_stopping_fails_saying_so(season, strategy):
    run = start_backtest(request=RunRequest(strategy=strategy.pk), user=None)
    BacktestRun.objects.filter(pk=run.pk).update(attempts=3)
    failed = execute_backtest(run_id=run.pk, holder="fourth")
    assert failed.status == BacktestRun.FAILED
    assert failed.error == "its worker stopped 3 times before the end (killed, or out of memory)"
    assert failed.bets.count() == 0


def test_a_queued_run_that_never_reached_a_worker_is_sent_again(season, strategy):
    run = start_backtest(request=RunRequest(strategy=strategy.pk), user=None)
    assert resume_backtests(now=timezone.now() + timedelta(minutes=5)) == []
    assert resume_backtests(now=timezone.now() + timedelta(minutes=11)) == [run.pk]


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"strategy": "Nobody"}, "strategy", "no saved strategy with the id or name 'Nobody'"),
        ({"sport": "soccer_nowhere"}, "sport", "no sport 'soccer_nowhere' (a key such as soccer_epl)"),
        ({"staking": "martingale"}, "staking", "'martingale': use flat or kelly"),
        ({"kelly_fraction": 0.25}, "kelly_fraction", "a Kelly fraction applies to Kelly staking: set staking to kelly"),
        (
            {"staking": "kelly", "kelly_fraction": 1.5},
            "kelly_fraction",
            "1.5: above 0, at most 1 (0.25 for quarter Kelly)",
        ),
        ({"bet_at": "kickoff"}, "bet_at", "'kickoff': use lead (lead_hours before kick-off) or opening"),
        ({"rules": {"min_edge": 2}}, "min_edge", "2: from -1 to 1"),
        ({"rules": {"markets": ["h2h", "corners"]}}, "markets", "use h2h, spreads and/or totals (not corners)"),
        (
            {"rules": {"reference": "bet365"}},
            "reference",
            "cannot be adjusted for a run; these can: min_edge, method, min_price, max_price, markets, max_stake_share",
        ),
        ({"rules": {"min_price": 3, "max_price": 2}}, "max_price", "2 is not above the minimum price 3"),
        (
            {"grid": {"min_edge": [0.01]}},
            "grid",
            "a grid needs at least two configurations: give an axis two values or more",
        ),
        (
            {"grid": {"kelly_fraction": [0.25, 0.5]}, "staking": "flat"},
            "grid",
            "a grid over kelly_fraction stakes by Kelly: set staking to kelly",
        ),
        ({"grid": {"edge": [0.01, 0.02]}}, "grid", "no grid axis edge: the axes are min_edge, kelly_fraction, method"),
    ],
)
def test_what_cannot_be_run_is_named(strategy, asked, field, message):
    from opportunities.backtest_runs import BacktestRejected

    asked = {"strategy": strategy.pk, **asked}
    with pytest.raises(BacktestRejected) as raised:
        start_backtest(request=RunRequest(**asked), user=None)
    assert raised.value.message_dict[field] == [message]
    assert BacktestRun.objects.count() == 0
