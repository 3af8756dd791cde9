from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opportunities.backtest import (
    BacktestReport,
    BacktestRules,
    UnknownBookmaker,
    read_history,
    replay,
    selected_events,
)
from opportunities.backtest_grid import Grid, GridError, GridReport, run_grid
from opportunities.models import Strategy
from opportunities.pricing import METHODS
from stats.formulas import Verdict
from stats.verdict import verdict_sentence


def _date(value: str) -> datetime:
    try:
        return (
            timezone.make_aware(datetime.fromisoformat(value))
            if "T" not in value and "+" not in value
            else datetime.fromisoformat(value)
        )
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Replay stored history through a strategy's rules and report bets, profit, yield, CLV and drawdown."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strategy", help="replay this saved strategy's rules (name) instead of the rule options below"
        )
        parser.add_argument("--min-edge", type=float, default=0.02, help="e.g. 0.02 for 2%%")
        parser.add_argument("--method", choices=METHODS, default="shin")
        parser.add_argument("--reference", default="pinnacle", help="bookmaker key of the fair price")
        parser.add_argument("--lead-hours", type=float, default=24.0, help="decide this long before kick-off")
        parser.add_argument("--min-price", type=float, default=1.01)
        parser.add_argument("--max-price", type=float, default=1000.0)
        parser.add_argument("--markets", default="h2h,spreads,totals")
        parser.add_argument("--kelly", type=float, default=None, help="Kelly fraction (default: one unit per bet)")
        parser.add_argument("--bankroll", type=float, default=1000.0)
        parser.add_argument("--sport")
        parser.add_argument("--from", dest="start", type=_date)
        parser.add_argument("--to", dest="end", type=_date)
        parser.add_argument(
            "--at-opening",
            action="store_true",
            help="decide each line at its opening (the first moment it can be valued) instead of --lead-hours",
        )
        parser.add_argument(
            "--grid",
            nargs="+",
            metavar="AXIS=VALUES",
            help="try every combination, e.g. min_edge=0.01,0.02,0.03 kelly_fraction=0.25,0.5 (axes: "
            "min_edge, kelly_fraction, method); reports each and the best by yield, its p-value adjusted (Holm)",
        )

    def handle(self, *args: Any, **o: Any) -> None:
        grid = None
        if o["grid"]:
            try:
                grid = Grid.parse(o["grid"])
            except GridError as exc:
                raise CommandError(f"--grid: {exc}") from None
        replay_with = {
            "lead": timedelta(hours=o["lead_hours"]),
            "kelly_fraction": o["kelly"],
            "bankroll": o["bankroll"],
            "at_opening": o["at_opening"],
        }
        if o["strategy"]:
            strategy = Strategy.objects.filter(name=o["strategy"]).select_related("reference_bookmaker").first()
            if strategy is None:
                raise CommandError(f"no strategy named {o['strategy']!r}")
            rules = BacktestRules.for_strategy(strategy, **replay_with)
        else:
            rules = BacktestRules(
                min_edge=o["min_edge"],
                method=o["method"],
                reference=o["reference"],
                min_price=o["min_price"],
                max_price=o["max_price"],
                markets=tuple(o["markets"].split(",")),
                **replay_with,
            )
        try:
            strategy_rules = rules.strategy_rules()
        except UnknownBookmaker as exc:
            raise CommandError(str(exc)) from None
        events = selected_events(sport=o["sport"], start=o["start"], end=o["end"])
        history = read_history(events=events, strategy=strategy_rules)
        if grid is None:
            report = replay(history, rules, strategy=strategy_rules)
            self._report(report, "units" if rules.kelly_fraction is None else "money")
            return
        found = run_grid(history, rules, grid, strategy=strategy_rules)
        self.stdout.write("\n".join(_grid_lines(found, grid)))
        if found.best is not None:
            best = found.cells[found.best]
            self.stdout.write("")
            self._report(best.report, "units" if best.kelly_fraction is None else "money")

    def _report(self, report: BacktestReport, unit: str) -> None:
        significance = report.significance
        drawdown = report.drawdown
        lines = [
            f"events with a result: {report.events}",
            f"bets: {len(report.bets)} (won {sum(b.status == 'won' for b in report.bets)}, "
            f"lost {sum(b.status == 'lost' for b in report.bets)})",
            f"staked: {report.staked:.2f} {unit}, profit: {report.profit:+.2f} {unit}",
            f"yield: {report.yield_:+.2%}" if report.yield_ is not None else "yield: n/a",
            (f"average CLV: {report.average_clv:+.2%}" if report.average_clv is not None else "average CLV: n/a")
            + f" ({report.clv_bets} of {len(report.bets)} bets with a close within {settings.CLOSING_MAX_AGE} min)",
            f"max drawdown: {drawdown.amount:.2f} {unit}, longest losing run: {report.longest_losing_run}",
            (f"z = {significance.z:.2f}, p = {significance.p_value:.4f}" if significance.z is not None else "z: n/a"),
            *_verdict_lines(report.verdict),
        ]
        self.stdout.write("\n".join(lines))


def _verdict_lines(verdict: Verdict) -> list[str]:
    """The skill-or-luck figures, as the stats page and the API give them."""
    clv = verdict.clv
    lines = []
    if clv.t is not None and clv.ci95 is not None:  # computed together
        low, high = clv.ci95
        lines.append(
            f"CLV t = {clv.t:.2f}, p = {clv.p_value:.4f} (one-sided) over {clv.bets} bets with a CLV, "
            f"95% interval {low:+.2%} to {high:+.2%}"
        )
    else:
        lines.append(f"CLV t: n/a ({clv.bets} bets with a CLV)")
    lines.append(
        f"bets still needed for a significant CLV: {clv.bets_needed if clv.bets_needed is not None else 'n/a'}"
    )
    if verdict.yield_ci95 is not None:
        low, high = verdict.yield_ci95
        lines.append(
            f"yield 95% interval: {low:+.2%} to {high:+.2%} (bootstrap, {verdict.resamples:,} resamples, seeded)"
        )
    else:
        lines.append("yield 95% interval: n/a")
    lines.append(f"verdict: {verdict_sentence(clv, subject='The average CLV')}")
    return lines


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _grid_lines(found: GridReport, grid: Grid) -> list[str]:
    """One line per configuration tried, then the best by yield with its p-values adjusted for them all."""
    axes = " × ".join(
        f"{name} {', '.join(f'{v:g}' if isinstance(v, float) else v for v in values)}"
        for name, values in grid.as_json().items()
    )
    lines = [
        f"grid: {found.tried} configurations tried ({axes})",
        "min_edge  kelly  method          bets    yield      CLV  drawdown  p (CLV)  Holm    p (profit)  Holm",
    ]
    for cell in found.cells:
        f = cell.figures
        kelly = "flat" if cell.kelly_fraction is None else f"{cell.kelly_fraction:g}"
        yield_ = "n/a" if f["yield"] is None else f"{f['yield']:+.2%}"
        clv = "n/a" if f["average_clv"] is None else f"{f['average_clv']:+.2%}"
        lines.append(
            f"{cell.min_edge:<8g}  {kelly:<5}  {cell.method:<14}  {f['bets']:>4}  {yield_:>7}  {clv:>7}  "
            f"{f['max_drawdown']:>8.2f}  {_p(f['clv_p_value']):>7}  {_p(f['clv_p_holm']):>6}  "
            f"{_p(f['profit_p_value']):>10}  {_p(f['profit_p_holm']):>6}"
        )
    if found.best is None:
        lines.append("best: none (no configuration made a bet)")
        return lines
    best = found.cells[found.best]
    f = best.figures
    kelly = "flat" if best.kelly_fraction is None else f"{best.kelly_fraction:g}"
    lines.append(
        f"best by yield: min_edge={best.min_edge:g} kelly_fraction={kelly} method={best.method}: "
        f"yield {f['yield']:+.2%} over {f['bets']} bets; CLV p = {_p(f['clv_p_value'])}, "
        f"{_p(f['clv_p_holm'])} adjusted for {found.tried} configurations (Holm); "
        f"profit p = {_p(f['profit_p_value'])}, {_p(f['profit_p_holm'])} adjusted"
    )
    return lines
