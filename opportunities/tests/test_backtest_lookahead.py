"""No look-ahead, tested directly: prices observed after each bet's moment, whatever their values,
change no decision and no figure of a backtest but its CLV (which is read at the close)."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from decimal import Decimal

import pytest

from odds.models import Bookmaker, Event
from opportunities.backtest import BacktestRules, run_backtest
from opportunities.backtest_figures import cell_figures, curve, summary
from opportunities.tests.backtest_market import SOFT, simulated_season
from opportunities.tests.factories import h2h_event
from opportunities.valuation import StrategyRules

pytestmark = pytest.mark.django_db
CLV_FIGURES = {"average_clv", "clv_bets", "clv_p_value"}


def later_prices(season, *, after, seed: int = 3) -> None:
    """Arbitrary prices of every book and outcome of every line, observed at four moments after
    ``after(line)`` and before kick-off (the last five minutes before it: the close)."""
    rng = random.Random(seed)
    for line in season:
        event, start = line.event, after(line)
        gap = event.commence_time - start
        for at in (
            start + timedelta(seconds=1),
            start + gap * 0.3,
            start + gap * 0.9,
            event.commence_time - timedelta(minutes=5),
        ):
            prices = {b: {k: round(rng.uniform(1.05, 15.0), 2) for k in "HDA"} for b in ("pinnacle", *SOFT)}
            names = {"home": event.home_team, "away": event.away_team}
            h2h_event(event.provider_id, prices, kickoff=event.commence_time, observed_at=at, **names)
    Event.objects.filter(pk__in=[line.event.pk for line in season]).update(completed=True)


def decisions(report) -> list[tuple]:
    """Every field of every bet but its CLV."""
    return [
        tuple(v for k, v in dataclasses.asdict(b).items() if k not in ("clv", "clv_by_method")) for b in report.bets
    ]


def figures_but_clv(report) -> dict:
    found = {k: v for k, v in cell_figures(report).items() if k not in CLV_FIGURES}
    found["yield_ci95"] = summary(report)["verdict"]["yield_ci95"]
    found["curve"] = curve(report)
    return found


@pytest.mark.parametrize(
    ("replay", "moment"),
    [
        ({"lead": timedelta(hours=24)}, lambda line: line.event.commence_time - timedelta(hours=24)),
        (
            {"lead": timedelta(hours=30), "kelly_fraction": 0.5},
            lambda line: line.event.commence_time - timedelta(hours=30),
        ),
        ({"at_opening": True, "kelly_fraction": 0.5}, lambda line: line.event.commence_time - timedelta(days=2)),
    ],
    ids=["lead, flat", "lead, Kelly", "opening, Kelly"],
)
def test_prices_observed_after_each_bet_change_nothing_but_the_clv(replay, moment):
    season = simulated_season(seed=11)
    strategy = StrategyRules(
        method="multiplicative",
        reference=Bookmaker.objects.get(key="pinnacle").pk,
        reference_name="pinnacle",
        min_edge=0.0,
        min_price=1.01,
        max_price=100.0,
        markets=frozenset({"h2h"}),
        max_stake_share=0.05,
    )
    rules = BacktestRules(strategy=strategy, **replay)
    before = run_backtest(rules=rules, events=Event.objects.all())
    assert len(before.bets) > 10
    assert all(b.placed_at == moment(next(li for li in season if li.event.pk == b.event_id)) for b in before.bets)

    later_prices(season, after=moment)
    after = run_backtest(rules=rules, events=Event.objects.all())

    assert decisions(after) == decisions(before)
    assert figures_but_clv(after) == figures_but_clv(before)
    # The close did read the later prices: the CLV, and only it, moved.
    assert [b.clv for b in after.bets] != [b.clv for b in before.bets]
    assert after.average_clv != before.average_clv


def test_a_price_observed_at_the_bets_moment_is_read():
    season = simulated_season(seed=11, events=4)
    strategy = StrategyRules(
        method="multiplicative",
        reference=Bookmaker.objects.get(key="pinnacle").pk,
        min_edge=-1.0,
        min_price=1.01,
        max_price=100.0,
        markets=frozenset({"h2h"}),
    )
    rules = BacktestRules(strategy=strategy, lead=timedelta(hours=24))
    line = season[0]
    moment = line.event.commence_time - timedelta(hours=24)
    prices = {"bet365": {"H": 9.0}}
    names = {"home": line.event.home_team, "away": line.event.away_team}
    h2h_event(line.event.provider_id, prices, kickoff=line.event.commence_time, observed_at=moment, **names)
    Event.objects.filter(pk=line.event.pk).update(completed=True)
    report = run_backtest(rules=rules, events=Event.objects.filter(pk=line.event.pk))
    home = next(b for b in report.bets if b.outcome == line.event.home_team)
    assert (home.bookmaker, home.price) == ("bet365", 9.0)  # at or before the moment: in force
    assert Decimal(repr(home.price)) == Decimal("9.0")
