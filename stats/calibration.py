"""Devig methods scored on the bettor's own results: which method's fair probabilities, from one
reference book's prices, came closest to what happened (``manage.py calibrate``).

For a sport, a market line and a reference book, at the opening (the book's first observation) or
the closing (its last at or before kick-off):
- the events are those with a result and a complete reference line at that moment (the book quotes
  every outcome the line has), on lines whose outcomes cannot push: h2h, and spreads and totals at
  half-point lines (totals 2.5, a handicap of -1.5); an event where no outcome won (a draw on a
  two-way line) or that one method cannot price is left out of every method's scores, so that all
  are scored on the same events, and ``left_out`` says so;
- each method's fair probabilities come from ``valuation.fair_by_method``, and its scores are the
  means over events of ``stats.formulas``' log loss, Brier score and, on three-way lines (home, draw,
  away), ranked probability score;
- the 95% intervals are percentile intervals of ``RESAMPLES`` bootstrap resamples of the events,
  drawn by ``random.Random(seed)``: the same seed gives the same intervals;
- the best method has the lowest log loss (the first in ``pricing.METHODS`` order on a tie);
  ``best_share`` is the share of resamples in which it was lowest.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from bets import settlement
from odds import store
from odds.models import DRAW, H2H, OVER, TOTALS, UNDER
from odds.selectors import history_lead
from opportunities import pricing, valuation
from opportunities.valuation import Observation
from stats import formulas
from stats.models import CLOSING, OPENING, Calibration

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95
SCORES = ("log_loss", "brier", "rps")
HALF = Decimal("0.5")


def can_push(market: str, line: Decimal) -> bool:
    """Whether a bet on the line can be void on some score: handicaps and totals on whole or quarter
    lines; never h2h (a draw is an outcome, or on a two-way line, no outcome wins) or a half-point line."""
    return market != H2H and abs(line) % 1 != HALF


class ScoredEvent(NamedTuple):
    """One event's line as scored: its outcomes in order, the one that happened, and each method's
    fair probabilities in the same order."""

    event_id: int
    outcomes: tuple[str, ...]
    happened: int
    probabilities: dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class MethodScore:
    method: str
    n: int
    log_loss: float | None  # None: no event scored
    brier: float | None
    rps: float | None
    ci95: dict[str, list[float] | None]


@dataclass(frozen=True)
class Scored:
    """One calibration: a sport, market line, reference book and moment, every method scored."""

    market: str
    point: Decimal
    events: int
    results: list[MethodScore]
    reliability: dict[str, list[formulas.ReliabilityBin]]
    best: str
    best_share: float | None
    left_out: str


def ordered_outcomes(market: str, outcomes: Iterable[str], home: str, away: str) -> tuple[str, ...]:
    """A line's outcomes in the order scores read them: home, draw, away (the order the ranked
    probability score needs), Over then Under; any other name after them."""
    order = {H2H: [home, DRAW, away], TOTALS: [OVER, UNDER]}.get(market, [home, away])
    present = set(outcomes)
    return tuple([o for o in order if o in present] + sorted(present - set(order)))


def events_of_lines(
    selections: list[store.FinishedSelection], prices: Mapping[int, tuple[float, datetime]]
) -> tuple[dict[Decimal, list[ScoredEvent]], dict[Decimal, Counter[str]]]:
    """One market's finished selections, with the reference's price (and its time) of each at the
    moment scored (``{selection id: (price, observed_at)}``), as scored events per line that cannot
    push, and per line a count of the events left out with a complete line, by reason."""
    grouped: dict[tuple[int, Decimal], list[store.FinishedSelection]] = {}
    for selection in selections:
        grouped.setdefault((selection.event_id, selection.line), []).append(selection)
    lines: dict[Decimal, list[ScoredEvent]] = {}
    left_out: dict[Decimal, Counter[str]] = {}
    for (event_id, line), outcome_rows in grouped.items():
        market = outcome_rows[0].market
        if can_push(market, line) or len(outcome_rows) < 2 or any(r.selection_id not in prices for r in outcome_rows):
            continue  # not a line scored here, or not complete at that moment
        first = outcome_rows[0]
        by_outcome = {r.outcome: r for r in outcome_rows}
        outcomes = ordered_outcomes(market, by_outcome, first.home_team, first.away_team)
        reasons = left_out.setdefault(line, Counter())
        try:
            won = [
                i
                for i, outcome in enumerate(outcomes)
                if settlement.outcome_status(
                    market=market,
                    outcome=outcome,
                    point=None if market == H2H else by_outcome[outcome].point,
                    home_team=first.home_team,
                    away_team=first.away_team,
                    home_score=first.home_score,
                    away_score=first.away_score,
                )
                == settlement.WON
            ]
        except settlement.CannotSettle:
            reasons["its outcomes are not the teams' names"] += 1
            continue
        if len(won) != 1:
            reasons["no outcome of the line won"] += 1
            continue
        quoted = {o: prices[by_outcome[o].selection_id] for o in outcomes}
        quotes = {o: Observation(price, at.timestamp()) for o, (price, at) in quoted.items()}
        fairs = valuation.fair_by_method(quotes, outcomes=outcomes)
        priced = {method: fair.probabilities for method, fair in fairs.items() if fair.probabilities is not None}
        failed = [method for method in fairs if method not in priced]
        if failed:
            reasons[f"{', '.join(failed)} could not price it"] += 1
            continue
        lines.setdefault(line, []).append(
            ScoredEvent(
                event_id,
                outcomes,
                won[0],
                {m: tuple(probabilities[o] for o in outcomes) for m, probabilities in priced.items()},
            )
        )
    return lines, left_out


def score(
    events: list[ScoredEvent],
    *,
    market: str,
    point: Decimal,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    left_out: Counter[str] | None = None,
) -> Scored:
    """Every method's mean scores over ``events`` with their bootstrap intervals, the reliability
    diagram's bins and the best method (module docstring)."""
    three_way = bool(events) and len(events[0].outcomes) == 3
    columns: dict[str, list[float]] = {}
    reliability = {}
    for method in pricing.METHODS:
        forecasts = [formulas.Forecast(e.probabilities[method], e.happened) for e in events]
        columns[f"{method}:log_loss"] = [formulas.log_loss(f) for f in forecasts]
        columns[f"{method}:brier"] = [formulas.brier(f) for f in forecasts]
        if three_way:
            columns[f"{method}:rps"] = [formulas.ranked_probability(f) for f in forecasts]
        reliability[method] = formulas.reliability(forecasts)
    resampled = formulas.bootstrap_means(columns, resamples=resamples, seed=seed)
    n = len(events)
    results = []
    for method in pricing.METHODS:
        means: dict[str, float | None] = {}
        intervals: dict[str, list[float] | None] = {}
        for name in SCORES:
            values = columns.get(f"{method}:{name}")
            if values is None or not n:
                means[name], intervals[name] = None, None
                continue
            means[name] = sum(values) / n
            intervals[name] = list(formulas.percentile_interval(resampled[f"{method}:{name}"], LEVEL))
        results.append(MethodScore(method, n, means["log_loss"], means["brier"], means["rps"], intervals))
    best, share = "", None
    if n:
        # min keeps the first of equal ones; with events scored, every method has a log loss
        best = min(results, key=lambda r: math.inf if r.log_loss is None else r.log_loss).method
        wins = sum(min(pricing.METHODS, key=lambda m: resampled[f"{m}:log_loss"][r]) == best for r in range(resamples))
        share = wins / resamples if resamples else None
    reasons = left_out or Counter()
    said = "; ".join(f"{count} {'event' if count == 1 else 'events'}: {why}" for why, count in sorted(reasons.items()))
    return Scored(market, point, n, results, reliability, best, share, said)


@dataclass(frozen=True)
class Scope:
    sport_id: int
    market: str
    reference_id: int
    at: str


def calibrate_sport(
    sport_id: int,
    *,
    markets: Collection[str] = (),
    references: Collection[int] = (),
    moments: Collection[str] = (OPENING, CLOSING),
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[Scope, list[Scored]]:
    """Every line of every market (or these) of the sport scored, for every bookmaker that priced one
    (or these) at each moment, the lines in order: three queries, whatever the number of scopes."""
    selections = store.finished_selections(sport_id=sport_id)
    prices = store.opening_and_closing_prices(sport_id=sport_id, lead=history_lead())
    by_market: dict[str, list[store.FinishedSelection]] = {}
    for selection in selections:
        if not markets or selection.market in markets:
            by_market.setdefault(selection.market, []).append(selection)
    market_of = {s.selection_id: s.market for s in selections}
    by_book: dict[tuple[str, int, str], dict[int, tuple[float, datetime]]] = {}
    for row in prices:
        market = market_of.get(row.selection_id)
        if market not in by_market or (references and row.bookmaker_id not in references):
            continue
        for moment in moments:
            price = (row.closing_price, row.closed_at) if moment == CLOSING else (row.opening_price, row.opened_at)
            by_book.setdefault((market, row.bookmaker_id, moment), {})[row.selection_id] = price
    scored = {}
    for (market, book, moment), quoted in sorted(by_book.items()):
        lines, left_out = events_of_lines(by_market[market], quoted)
        scored[Scope(sport_id, market, book, moment)] = [
            score(lines[line], market=market, point=line, resamples=resamples, seed=seed, left_out=left_out[line])
            for line in sorted(lines)
        ]
    return scored


def calibrate_scope(scope: Scope, *, resamples: int = RESAMPLES, seed: int = SEED) -> list[Scored]:
    """Every line of one scope's market scored, in order of line (``calibrate_sport``)."""
    scored = calibrate_sport(
        scope.sport_id,
        markets=[scope.market],
        references=[scope.reference_id],
        moments=[scope.at],
        resamples=resamples,
        seed=seed,
    )
    return scored.get(scope, [])


def record_calibrations(*, scope: Scope, scored: list[Scored], resamples: int, seed: int) -> list[Calibration]:
    """Replace the scope's stored calibrations with these, at once: a strategy reads either set whole."""
    now = timezone.now()
    rows = [
        Calibration(
            sport_id=scope.sport_id,
            market=s.market,
            point=s.point,
            reference_id=scope.reference_id,
            at=scope.at,
            events=s.events,
            results=[asdict(r) for r in s.results],
            reliability={m: [b._asdict() for b in bins] for m, bins in s.reliability.items()},
            best=s.best,
            best_share=s.best_share,
            left_out=s.left_out,
            resamples=resamples,
            seed=seed,
            computed_at=now,
        )
        for s in scored
        if s.events
    ]
    with transaction.atomic():
        Calibration.objects.filter(
            sport_id=scope.sport_id, market=scope.market, reference_id=scope.reference_id, at=scope.at
        ).delete()
        return Calibration.objects.bulk_create(rows)
