from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opportunities.backtest import BacktestRules, UnknownBookmaker, run_backtest, selected_events
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

    def handle(self, *args: Any, **o: Any) -> None:
        replay = {"lead": timedelta(hours=o["lead_hours"]), "kelly_fraction": o["kelly"], "bankroll": o["bankroll"]}
        if o["strategy"]:
            strategy = Strategy.objects.filter(name=o["strategy"]).select_related("reference_bookmaker").first()
            if strategy is None:
                raise CommandError(f"no strategy named {o['strategy']!r}")
            rules = BacktestRules.for_strategy(strategy, **replay)
        else:
            rules = BacktestRules(
                min_edge=o["min_edge"],
                method=o["method"],
                reference=o["reference"],
                min_price=o["min_price"],
                max_price=o["max_price"],
                markets=tuple(o["markets"].split(",")),
                **replay,
            )
        try:
            report = run_backtest(rules=rules, events=selected_events(sport=o["sport"], start=o["start"], end=o["end"]))
        except UnknownBookmaker as exc:
            raise CommandError(str(exc)) from None
        unit = "units" if rules.kelly_fraction is None else "money"
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
