"""The closing line of a bet: the bookmaker's last price before kick-off, and the fair probability
that the strategy's rules (a sharp book, or the consensus) give the line at that moment, by
``valuation`` as detection and the backtest value a line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from odds import store
from odds.models import Selection
from odds.selectors import history_window
from opportunities import valuation
from opportunities.valuation import Observation, StrategyRules

if TYPE_CHECKING:
    from bets.models import Bet
    from opportunities.models import Strategy

PROBABILITY = Decimal("0.000001")


@dataclass(frozen=True)
class ClosingLine:
    price: Decimal | None
    fair_probability: Decimal | None
    note: str = ""


def _strategy(bet: Bet) -> Strategy:
    from opportunities.models import Strategy

    if bet.strategy_id:
        return bet.strategy
    return Strategy.objects.filter(active=True).select_related("reference_bookmaker").order_by(
        "pk"
    ).first() or Strategy(name="consensus", devig_method="multiplicative", min_books=1)


def _rules(bet: Bet) -> StrategyRules:
    strategy = _strategy(bet)
    if strategy.pk is None:  # the fallback, never saved: no sports or bookmakers to read
        return StrategyRules(method=strategy.devig_method, min_books=strategy.min_books, name=strategy.name)
    return StrategyRules.from_strategy(strategy)


def closing_line(bet: Bet) -> ClosingLine:
    """Two queries (and the strategy's): the line's selections, then the last price of each
    (selection, book) before kick-off.

    The scan starts where the event's history window does (``ODDS_HISTORY_LEAD_DAYS`` before kick-off),
    so TimescaleDB reads only the chunks of that range; a price last changed before it is not read."""
    event = bet.event
    selection = bet.selection
    line = {
        s.pk: s.outcome for s in Selection.objects.filter(event=event, market=selection.market, line=selection.line)
    }
    start, _ = history_window(event.commence_time)
    by_book: dict[int, dict[str, Observation]] = defaultdict(dict)
    closing_price = None
    for row in store.prices_in_force(selection_ids=line, at=event.commence_time, since=start):
        outcome = line[row.selection_id]
        by_book[row.bookmaker_id][outcome] = Observation(float(row.price), row.observed_at.timestamp())
        if row.bookmaker_id == bet.bookmaker_id and outcome == bet.outcome:
            closing_price = row.price
    note = "" if closing_price is not None else f"no {bet.bookmaker.key} price for this selection before kick-off"
    rules = _rules(bet)
    # Every outcome the line has, quoted or not: a book is complete only when it quotes them all.
    fair = valuation.fair_line(
        by_book, rules, outcomes=set(line.values()), sport=event.sport_id, market=selection.market
    )
    if not fair:
        return ClosingLine(closing_price, None, _join(note, _why_not(fair, rules)))
    probability = fair.probabilities[bet.outcome]
    # Rounded as detection stores an opportunity's fair probability.
    return ClosingLine(closing_price, Decimal(repr(probability)).quantize(PROBABILITY, ROUND_HALF_UP), note)


def _why_not(fair: valuation.Fair, rules: StrategyRules) -> str:
    if fair.basis == valuation.REFERENCE:
        if fair.error:
            return f"closing prices cannot be devigged: {fair.error}"
        return f"no complete closing line from {rules.reference_name or 'the reference'}"
    return f"only {len(fair.used)} bookmakers closed this line, {rules.min_books} needed"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
