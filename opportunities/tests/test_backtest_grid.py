"""Grids: every cell is exactly the run of its settings, the history is read once, and the best cell's
p-values are adjusted for every configuration tried (Holm)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.testing import history_queries
from odds.models import Bookmaker, Event
from opportunities.backtest import BacktestRules, read_history, replay
from opportunities.backtest_figures import cell_figures
from opportunities.backtest_grid import Grid, GridError, run_grid
from opportunities.backtest_runs import RunRequest, execute_backtest, start_backtest
from opportunities.tests.backtest_market import simulated_season
from opportunities.tests.factories import StrategyFactory
from opportunities.valuation import StrategyRules

pytestmark = pytest.mark.django_db
GRID = Grid(min_edge=(0.0, 0.02, 0.04), kelly_fraction=(0.25, 0.5, 1.0))


@pytest.fixture
def season():
    return simulated_season(seed=5, events=30)


@pytest.fixture
def rules(season):
    strategy = StrategyRules(
        method="multiplicative",
        reference=Bookmaker.objects.get(key="pinnacle").pk,
        min_edge=0.02,
        min_price=1.01,
        max_price=100.0,
        markets=frozenset({"h2h"}),
        max_stake_share=0.05,
    )
    return BacktestRules(strategy=strategy, lead=timedelta(hours=24), kelly_fraction=0.25)


def plain_holm(p_values):
    """Holm (1979) by its definition: the i-th smallest times (m - i + 1), the running maximum, at most 1."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = {}, 0.0
    for rank, index in enumerate(order):
        running = max(running, (len(p_values) - rank) * p_values[index])
        adjusted[index] = min(1.0, running)
    return [adjusted[i] for i in range(len(p_values))]


def test_each_cell_is_the_run_of_its_settings_and_the_history_is_read_once(rules):
    with CaptureQueriesContext(connection) as queries:
        history = read_history(events=Event.objects.all(), strategy=rules.strategy_rules())
        found = run_grid(history, rules, GRID)
    assert len(history_queries(queries.captured_queries)) == 1
    assert found.tried == 9
    assert [(c.min_edge, c.kelly_fraction) for c in found.cells] == [
        (e, k) for e in GRID.min_edge for k in GRID.kelly_fraction
    ]
    for cell in found.cells:
        single = dataclasses.replace(
            rules,
            strategy=dataclasses.replace(rules.strategy, min_edge=cell.min_edge),
            kelly_fraction=cell.kelly_fraction,
        )
        alone = replay(read_history(events=Event.objects.all(), strategy=single.strategy_rules()), single)
        assert cell.report.bets == alone.bets
        assert cell.report.curve == alone.curve
        assert {k: v for k, v in cell.figures.items() if not k.endswith("_holm")} == cell_figures(alone)
    # The cells differ: the minimum edge chooses the bets, the fraction their stakes (a stake that
    # rounds to nothing is no bet: a smaller fraction bets less often).
    assert len({c.figures["bets"] for c in found.cells if c.kelly_fraction == 1.0}) == 3
    assert len({c.figures["staked"] for c in found.cells}) == 9


def test_the_best_cells_p_values_are_adjusted_for_every_configuration_tried(rules):
    found = run_grid(read_history(events=Event.objects.all(), strategy=rules.strategy_rules()), rules, GRID)
    for name in ("clv_p_value", "profit_p_value"):
        raw = [c.figures[name] for c in found.cells]
        assert None not in raw
        assert [c.figures[name.replace("_value", "_holm")] for c in found.cells] == pytest.approx(
            plain_holm(raw), abs=1e-15
        )
    best = found.cells[found.best]
    assert best.figures["yield"] == max(c.figures["yield"] for c in found.cells)
    assert best.figures["clv_p_holm"] >= best.figures["clv_p_value"]
    assert best.figures["profit_p_holm"] > best.figures["profit_p_value"]


def test_a_grid_over_devig_methods_decides_once_per_method(rules):
    grid = Grid(min_edge=(0.0, 0.03), method=("multiplicative", "shin"))
    found = run_grid(read_history(events=Event.objects.all(), strategy=rules.strategy_rules()), rules, grid)
    assert [(c.min_edge, c.method) for c in found.cells] == [
        (0.0, "multiplicative"),
        (0.03, "multiplicative"),
        (0.0, "shin"),
        (0.03, "shin"),
    ]
    shin = dataclasses.replace(rules, strategy=dataclasses.replace(rules.strategy, method="shin", min_edge=0.03))
    alone = replay(read_history(events=Event.objects.all(), strategy=shin.strategy_rules()), shin)
    assert found.cells[3].report.bets == alone.bets


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["min_edge=0.01"], "a grid needs at least two configurations: give an axis two values or more"),
        (["min_edge"], "'min_edge': write an axis as NAME=VALUE,VALUE (e.g. min_edge=0.01,0.02)"),
        (["min_edge=0.01,x"], "min_edge: 'x' is not a number"),
        (["kelly_fraction=0,0.5"], "kelly_fraction: '0' is out of range (use above 0 to 1)"),
        (["min_edge=0.01,0.01"], "min_edge: a value is given twice"),
        (["method=shin,magic"], "method 'magic': use one of multiplicative, additive, power, shin, odds_ratio"),
        (
            [
                "min_edge=" + ",".join(str(i / 100) for i in range(6)),
                "kelly_fraction=0.1,0.2,0.3,0.4,0.5",
                "method=shin,power,additive,multiplicative,odds_ratio",
            ],
            "150 configurations: at most 125",
        ),
    ],
)
def test_a_grid_that_cannot_be_run_is_named(items, message):
    with pytest.raises(GridError) as raised:
        Grid.parse(items)
    assert str(raised.value) == message


def test_the_command_reports_every_configuration_and_the_best_adjusted(season, capsys):
    call_command(
        "backtest",
        "--reference",
        "pinnacle",
        "--method",
        "multiplicative",
        "--markets",
        "h2h",
        "--grid",
        "min_edge=0,0.02,0.04",
        "kelly_fraction=0.25,0.5,1",
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "grid: 9 configurations tried (min_edge 0, 0.02, 0.04 × kelly_fraction 0.25, 0.5, 1)"
    assert len([line for line in out if line.startswith(("0 ", "0.02 ", "0.04 "))]) == 9
    [best] = [line for line in out if line.startswith("best by yield: ")]
    assert "adjusted for 9 configurations (Holm)" in best
    # Then the best cell's own report, as the command prints a run's.
    assert any(line.startswith("events with a result: 30") for line in out)
    assert any(line.startswith("verdict: ") for line in out)
    with pytest.raises(CommandError, match="--grid: no grid axis edge: the axes are min_edge, kelly_fraction, method"):
        call_command("backtest", "--grid", "edge=0.01,0.02")


def test_a_saved_grid_run_keeps_every_cell_and_the_best_ones_bets(season):
    strategy = StrategyFactory(
        name="Grid",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="multiplicative",
        min_edge=Decimal("0.02"),
        min_price=Decimal("1.010"),
        max_price=Decimal("100.000"),
        markets="h2h",
    )
    run = start_backtest(
        request=RunRequest(
            strategy=strategy.pk, grid={"min_edge": [0, 0.02, 0.04], "kelly_fraction": ["0.25", 0.5, 1]}
        ),
        user=None,
    )
    run = execute_backtest(run_id=run.pk, holder="grid")
    assert run.parameters["staking"] == "kelly"  # a grid over the Kelly fraction stakes by Kelly
    assert (run.grid["tried"], len(run.grid["cells"])) == (9, 9)
    best = run.grid["cells"][run.grid["best"]]
    assert best["yield"] == max(c["yield"] for c in run.grid["cells"])
    assert {k: run.summary[k] for k in ("bets", "staked", "profit", "yield")} == {
        k: best[k] for k in ("bets", "staked", "profit", "yield")
    }
    assert run.bets.count() == best["bets"]
