"""A backtest's figures as they are saved, shown and answered: the summary with the verdict, the
bankroll curve, and the breakdowns by league, bookmaker, market, price band and edge band.

Plain JSON values (floats, strings, lists), read from a ``BacktestReport``; the bands are the stats
page's (``stats.selectors``), so a backtest's "2–5%" is the same band as the bettor's own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from opportunities.backtest import BacktestBet, BacktestReport
from stats import formulas
from stats.selectors import EDGE_BANDS, PRICE_BANDS
from stats.verdict import verdict_sentence

Figures = dict[str, Any]
VERDICT_SUBJECT = "The average CLV"


def cell_figures(report: BacktestReport) -> Figures:
    """What every run and every grid cell shows: bets, stake, profit, yield, CLV, drawdown and the
    two one-sided p-values (the CLV's t-test, the profit's z against no edge)."""
    drawdown = report.drawdown
    significance = report.significance
    clv = formulas.clv_significance([b.clv for b in report.bets if b.clv is not None])
    return {
        "bets": len(report.bets),
        "won": sum(b.status in ("won", "half_won") for b in report.bets),
        "lost": sum(b.status in ("lost", "half_lost") for b in report.bets),
        "staked": round(report.staked, 2),
        "profit": round(report.profit, 2),
        "yield": report.yield_,
        "average_clv": report.average_clv,
        "clv_bets": report.clv_bets,
        "max_drawdown": round(drawdown.amount, 2),
        "max_drawdown_share": drawdown.share,
        "final_bankroll": round(report.bankroll + report.profit, 2),
        "clv_p_value": clv.p_value,
        "profit_z": significance.z,
        "profit_p_value": significance.p_value,
    }


def summary(report: BacktestReport) -> Figures:
    """A run's summary: ``cell_figures`` and the verdict figures of the truth issue (the CLV's t, p,
    95% interval and bets needed; the yield's bootstrap interval; the sentence)."""
    verdict = report.verdict
    clv = verdict.clv
    return {
        "events": report.events,
        **cell_figures(report),
        "longest_losing_run": report.longest_losing_run,
        "verdict": {
            "clv_mean": clv.mean,
            "clv_sd": clv.sd,
            "clv_t": clv.t,
            "clv_p_value": clv.p_value,
            "clv_ci95": list(clv.ci95) if clv.ci95 else None,
            "bets_needed": clv.bets_needed,
            "yield_ci95": list(verdict.yield_ci95) if verdict.yield_ci95 else None,
            "resamples": verdict.resamples,
            "sentence": verdict_sentence(clv, subject=VERDICT_SUBJECT),
        },
    }


def curve(report: BacktestReport) -> list[list[Any]]:
    """The bankroll from the start, after each result: ``[ISO time, bankroll]`` pairs (the start at
    the first bet's moment)."""
    if not report.bets or report.bets[0].placed_at is None:
        return []
    points = [[report.bets[0].placed_at.isoformat(), round(report.bankroll, 2)]]
    return points + [[at.isoformat(), round(balance, 2)] for at, balance in report.curve]


def _band(value: float, bands: Sequence[tuple[Decimal | None, Decimal | None, str]]) -> str:
    for low, high, label in bands:
        if (low is None or value >= low) and (high is None or value < high):
            return label
    return "other"


DIMENSIONS: dict[str, Callable[[BacktestBet], str]] = {
    "league": lambda b: b.sport,
    "bookmaker": lambda b: b.bookmaker,
    "market": lambda b: b.market,
    "price_band": lambda b: _band(b.price, PRICE_BANDS),
    "edge_band": lambda b: _band(b.edge, EDGE_BANDS),
}
BAND_ORDER = {
    "price_band": [label for *_, label in PRICE_BANDS],
    "edge_band": [label for *_, label in EDGE_BANDS],
}


def breakdowns(report: BacktestReport) -> dict[str, list[Figures]]:
    """Bets, stake, profit, yield and average CLV by each of ``DIMENSIONS``: the largest stake first,
    or bands in their own order."""
    found: dict[str, list[Figures]] = {}
    for name, key_of in DIMENSIONS.items():
        groups: dict[str, list[BacktestBet]] = {}
        for bet in report.bets:
            groups.setdefault(key_of(bet), []).append(bet)
        rows: list[Figures] = []
        for key, bets in groups.items():
            staked = sum(b.stake for b in bets if b.status != "void")
            profit = sum(b.profit for b in bets)
            clvs = [b.clv for b in bets if b.clv is not None]
            rows.append(
                {
                    "key": key,
                    "bets": len(bets),
                    "staked": round(staked, 2),
                    "profit": round(profit, 2),
                    "yield": profit / staked if staked else None,
                    "average_clv": sum(clvs) / len(clvs) if clvs else None,
                }
            )
        if name in BAND_ORDER:
            order = BAND_ORDER[name]
            rows.sort(key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
        else:
            rows.sort(key=lambda r: (-r["staked"], r["key"]))
        found[name] = rows
    return found
