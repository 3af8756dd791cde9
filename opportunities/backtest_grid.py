"""A backtest over a grid of settings: minimum edge × Kelly fraction, optionally × devig method.

The history is read once; each devig method decides every line once, at the grid's lowest minimum
edge, and each cell stakes the picks whose edge reaches its own minimum: the picks a run at that
minimum would take (the best edge of each outcome, when it reaches the minimum, is the same at any
lower one), so a cell is exactly the run of its settings. Trying many settings and keeping the best
finds luck as well as edges: every cell's p-values are adjusted for the number tried (Holm,
``stats.formulas.holm``), and the best cell (by yield) is judged by its adjusted ones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opportunities.backtest import (
    BacktestReport,
    BacktestRules,
    History,
    Progress,
    decide,
    settle,
    stored_accounts,
)
from opportunities.backtest_figures import Figures, cell_figures
from opportunities.pricing import METHODS
from opportunities.valuation import StrategyRules
from stats import formulas

AXES = ("min_edge", "kelly_fraction", "method")
MAX_CELLS = 125  # 5 × 5 × 5: beyond it the adjustment leaves nothing to find, and the run takes minutes


class GridError(ValueError):
    """A grid that cannot be run: the message names the axis and the value."""


@dataclass(frozen=True)
class Grid:
    """The values tried on each axis; an axis left empty keeps the run's own value."""

    min_edge: tuple[float, ...] = ()
    kelly_fraction: tuple[float, ...] = ()
    method: tuple[str, ...] = ()

    @classmethod
    def parse(cls, items: Sequence[str]) -> Grid:
        """``["min_edge=0.01,0.02", "kelly_fraction=0.25,0.5"]``, as ``manage.py backtest --grid`` reads it."""
        axes: dict[str, list[str]] = {}
        for item in items:
            name, sign, values = item.partition("=")
            if not sign or not values.strip():
                raise GridError(f"{item!r}: write an axis as NAME=VALUE,VALUE (e.g. min_edge=0.01,0.02)")
            axes[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
        return cls.from_axes(axes)

    @classmethod
    def from_axes(cls, axes: Mapping[str, Sequence[Any]]) -> Grid:
        """A grid from ``{axis: [values]}`` (numbers or their text), each value checked."""
        unknown = sorted(set(axes) - set(AXES))
        if unknown:
            raise GridError(f"no grid axis {', '.join(unknown)}: the axes are {', '.join(AXES)}")
        edges = tuple(_number(v, "min_edge", low=-1.0, high=1.0) for v in axes.get("min_edge", ()))
        fractions = tuple(
            _number(v, "kelly_fraction", low=0.0, high=1.0, open_low=True) for v in axes.get("kelly_fraction", ())
        )
        methods = tuple(str(v) for v in axes.get("method", ()))
        for method in methods:
            if method not in METHODS:
                raise GridError(f"method {method!r}: use one of {', '.join(METHODS)}")
        for name, values in (("min_edge", edges), ("kelly_fraction", fractions), ("method", methods)):
            if len(set(values)) != len(values):
                raise GridError(f"{name}: a value is given twice")
        grid = cls(edges, fractions, methods)
        if grid.size < 2:
            raise GridError("a grid needs at least two configurations: give an axis two values or more")
        if grid.size > MAX_CELLS:
            raise GridError(f"{grid.size} configurations: at most {MAX_CELLS}")
        return grid

    @property
    def size(self) -> int:
        return max(len(self.min_edge), 1) * max(len(self.kelly_fraction), 1) * max(len(self.method), 1)

    def as_json(self) -> dict[str, list[Any]]:
        return {name: list(getattr(self, name)) for name in AXES if getattr(self, name)}


def _number(value: Any, axis: str, *, low: float, high: float, open_low: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise GridError(f"{axis}: {value!r} is not a number") from None
    if not math.isfinite(number) or number > high or number < low or (open_low and number == low):
        shown = f"above {low:g}" if open_low else f"from {low:g}"
        raise GridError(f"{axis}: {value!r} is out of range (use {shown} to {high:g})")
    return number


@dataclass
class Cell:
    """One configuration tried and its run's figures (``cell_figures``), with the p-values adjusted."""

    min_edge: float
    kelly_fraction: float | None  # None: flat stakes
    method: str
    report: BacktestReport
    figures: Figures = field(default_factory=dict)

    def as_json(self) -> Figures:
        return {"min_edge": self.min_edge, "kelly_fraction": self.kelly_fraction, "method": self.method, **self.figures}


@dataclass
class GridReport:
    cells: list[Cell]
    best: int | None  # the index of the highest yield; None: no cell has a bet

    @property
    def tried(self) -> int:
        return len(self.cells)


def run_grid(
    history: History,
    rules: BacktestRules,
    grid: Grid,
    *,
    strategy: StrategyRules | None = None,
    progress: Progress | None = None,
) -> GridReport:
    """Every cell of ``grid`` over ``rules`` (whose values fill the axes left empty), on one history."""
    strategy = strategy or rules.strategy_rules()
    accounts = stored_accounts() if rules.accounts is None else rules.accounts
    edges = grid.min_edge or (strategy.min_edge,)
    fractions: Sequence[float | None] = grid.kelly_fraction or (rules.kelly_fraction,)
    methods = grid.method or (strategy.method,)
    cells: list[Cell] = []
    for m, method in enumerate(methods):
        by_method = dataclasses.replace(strategy, method=method, min_edge=min(edges))

        def decided(done: float, m: int = m) -> None:
            if progress is not None:
                progress(0.9 * (m + done) / len(methods))

        decisions = decide(
            history, by_method, lead=rules.lead, at_opening=rules.at_opening, accounts=accounts, progress=decided
        )
        for min_edge in edges:
            for fraction in fractions:
                report = settle(
                    decisions,
                    history,
                    strategy=by_method,
                    kelly_fraction=fraction,
                    bankroll=rules.bankroll,
                    flat_stake=rules.flat_stake,
                    accounts=accounts,
                    min_edge=min_edge,
                )
                cells.append(Cell(min_edge, fraction, method, report, cell_figures(report)))
        if progress is not None:
            progress(0.9 * (m + 1) / len(methods))
    for name in ("clv_p_value", "profit_p_value"):
        # A cell that cannot be tested (fewer than two bets, no spread) still counts as tried.
        adjusted = formulas.holm([c.figures[name] if c.figures[name] is not None else 1.0 for c in cells])
        for cell, value in zip(cells, adjusted, strict=True):
            cell.figures[name.replace("_value", "_holm")] = value if cell.figures[name] is not None else None
    with_bets = [i for i, c in enumerate(cells) if c.figures["yield"] is not None]
    best = max(with_bets, key=lambda i: (cells[i].figures["yield"], cells[i].figures["bets"], -i), default=None)
    return GridReport(cells, best)
