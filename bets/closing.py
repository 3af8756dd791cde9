"""The closing line of a bet: the bookmaker's last price before kick-off, and the fair probability
from the strategy's reference (a sharp book, or the consensus) at that moment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from odds.models import Selection
from odds.selectors import history_window
from opportunities import pricing

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


def closing_line(bet: Bet) -> ClosingLine:
    """Two queries: the line's selections, then the last price of each (selection, book) before kick-off.

    The scan starts where the event's history window does (``ODDS_HISTORY_LEAD_DAYS`` before kick-off),
    so TimescaleDB reads only the chunks of that range; a price last changed before it is not read."""
    from django.db import connection

    event = bet.event
    selection = bet.selection
    line = {
        s.pk: s.outcome for s in Selection.objects.filter(event=event, market=selection.market, line=selection.line)
    }
    start, _ = history_window(event.commence_time)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (h.selection_id, h.bookmaker_id) h.selection_id, h.bookmaker_id, h.price
            FROM odds_pricehistory h JOIN odds_bookmaker b ON b.id = h.bookmaker_id
            WHERE h.selection_id = ANY(%s) AND h.observed_at >= %s AND h.observed_at <= %s AND NOT b.is_aggregate
            ORDER BY h.selection_id, h.bookmaker_id, h.observed_at DESC
            """,
            [list(line), start, event.commence_time],
        )
        rows = cursor.fetchall()
    by_book: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for selection_id, book_id, price in rows:
        by_book[book_id][line[selection_id]] = price
    closing_price = by_book.get(bet.bookmaker_id, {}).get(bet.outcome)
    outcomes = sorted(set(line.values()))
    strategy = _strategy(bet)
    complete = {b: prices for b, prices in by_book.items() if set(prices) == set(outcomes)}
    note = "" if closing_price is not None else f"no {bet.bookmaker.key} price for this selection before kick-off"
    if strategy.reference_bookmaker_id:
        reference = complete.get(strategy.reference_bookmaker_id)
        if reference is None:
            name = strategy.reference_bookmaker.key if strategy.reference_bookmaker else "the reference"
            return ClosingLine(closing_price, None, _join(note, f"no complete closing line from {name}"))
        books = [reference]
    else:
        books = list(complete.values())
        if len(books) < max(strategy.min_books, 1):
            return ClosingLine(
                closing_price,
                None,
                _join(note, f"only {len(books)} bookmakers closed this line, {strategy.min_books} needed"),
            )
    try:
        probabilities = [pricing.devig([float(b[o]) for o in outcomes], strategy.devig_method) for b in books]
    except pricing.InvalidOdds as exc:
        return ClosingLine(closing_price, None, _join(note, f"closing prices cannot be devigged: {exc}"))
    index = outcomes.index(bet.outcome)
    averaged = [sum(p[i] for p in probabilities) / len(probabilities) for i in range(len(outcomes))]
    fair = averaged[index] / sum(averaged)
    return ClosingLine(closing_price, Decimal(repr(fair)).quantize(PROBABILITY), note)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
