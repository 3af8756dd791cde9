"""The odds screen (``/odds/``): upcoming events' market lines, every bookmaker's price with the best
marked, the fair price of a strategy's rules, each book's margin and each price's edge.

A page costs the same number of queries whatever its number of events: the events (filtered by
``odds.filters.OddsScreenFilter``), their current quotes (``odds.store.current_quotes``, grouped into
lines by detection's own ``group_lines``) and the bookmakers. Each line is valued as detection values
it, by ``opportunities.valuation``: the fair probabilities by ``fair_line`` over every book quoting the
line (the books shown are a choice of the bettor's, the fair price is the strategy's), the edges by
``price_edges`` and the margins by ``margins``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from odds import store
from odds.filters import EDGE
from odds.models import DRAW, H2H, MARKETS, OVER, SPREADS, TOTALS, UNDER, Bookmaker, Event
from opportunities import pricing, valuation
from opportunities.detection import LineGroup, group_lines
from opportunities.valuation import StrategyRules

if TYPE_CHECKING:
    from opportunities.models import Strategy

PER_PAGE = 20
# Rounded as opportunities store them, so the screen and the opportunities page agree to the digit.
PRICE = Decimal("0.001")
FRACTION = Decimal("0.00001")
MARKET_ORDER = {H2H: 0, SPREADS: 1, TOTALS: 2}
MARKET_TITLES = dict(MARKETS)


@dataclass(frozen=True)
class Reference:
    """Whose fair price the screen shows: a saved strategy's rules (its reference book or the
    consensus, its devig method), or the default rules when no strategy is saved."""

    rules: StrategyRules
    strategy: Strategy | None
    label: str
    missing: str = ""  # the strategy asked for, when there is none by that id or name


def reference(chosen: str | None) -> Reference:
    """The strategy ``chosen`` (an id or a name), else the first active one by name: one query and the
    two its rules read."""
    from opportunities.models import Strategy

    strategies = Strategy.objects.select_related("reference_bookmaker").prefetch_related("sports", "bookmakers")
    strategy = None
    if chosen:
        # The page's select sends an id, a link may name it; "²" is a digit to isdigit() alone.
        by = {"pk": int(chosen)} if chosen.isascii() and chosen.isdigit() else {"name": chosen}
        strategy = strategies.filter(**by).first()
    missing = chosen if chosen and strategy is None else ""
    if strategy is None:
        strategy = strategies.filter(active=True).first()
    if strategy is None:
        rules = StrategyRules()
        return Reference(rules, None, f"consensus ({rules.min_books}+), {_method(rules.method)}", missing)
    rules = StrategyRules.from_strategy(strategy)
    return Reference(rules, strategy, f"{strategy.name}: {strategy.reference_label}, {_method(rules.method)}", missing)


def _method(method: str) -> str:
    return method.replace("_", " ")


@dataclass
class PriceCell:
    """One bookmaker's price of one outcome, and what the bet slip is opened with."""

    bookmaker: Bookmaker
    price: Decimal
    edge: Decimal | None
    best: bool
    value: bool  # an edge of at least the strategy's minimum
    observed_at: datetime
    slip: str  # the query string of /bets/new/
    dom_id: str


@dataclass
class OutcomeRow:
    outcome: str
    point: Decimal | None
    fair_probability: float | None
    fair_price: Decimal | None
    best_price: Decimal | None
    cells: list[PriceCell | None]  # one per column of the line, None where that book does not quote it


@dataclass
class BookColumn:
    bookmaker: Bookmaker
    margin: Decimal | None  # None: the book does not quote the whole line


@dataclass
class ScreenLine:
    market: str
    line: Decimal
    title: str
    books: list[BookColumn]
    outcomes: list[OutcomeRow]
    fair_note: str  # why the line has no fair price, or ""
    best_edge: Decimal | None


@dataclass
class EventCard:
    event: Event
    lines: list[ScreenLine]
    best_edge: Decimal | None


@dataclass
class Screen:
    page: Page
    cards: list[EventCard]


def odds_screen(
    events: QuerySet[Event],
    *,
    now: datetime,
    reference: Reference,
    markets: Collection[str] = (),
    bookmakers: Collection[str] = (),
    sort: str = "",
    page: str | int | None = None,
) -> Screen:
    """A page of event cards. By kick-off the database pages the events and only the page's quotes are
    read; by edge every event's lines are valued first (an event's largest edge decides its place)."""
    books = {book.pk: book for book in Bookmaker.objects.all()}
    build = {"now": now, "reference": reference, "markets": markets, "bookmakers": bookmakers, "books": books}
    if sort == EDGE:
        cards = _cards(list(events), **build)
        cards.sort(key=lambda c: (c.best_edge is None, -(c.best_edge or 0), c.event.commence_time, c.event.pk))
        shown = Paginator(cards, PER_PAGE).get_page(page)
        return Screen(shown, list(shown.object_list))
    shown = Paginator(events, PER_PAGE).get_page(page)
    return Screen(shown, _cards(list(shown.object_list), **build))


def _cards(
    events: list[Event],
    *,
    now: datetime,
    reference: Reference,
    markets: Collection[str],
    bookmakers: Collection[str],
    books: dict[int, Bookmaker],
) -> list[EventCard]:
    if not events:
        return []
    quotes = store.current_quotes(now=now, event_ids=[e.pk for e in events], markets=list(markets) or None)
    by_event: dict[int, list[LineGroup]] = {}
    for group in group_lines(quotes)[0]:
        by_event.setdefault(group.event_id, []).append(group)
    wanted = set(bookmakers)
    cards = []
    for event in events:
        groups = sorted(by_event.get(event.pk, []), key=lambda g: (MARKET_ORDER.get(g.market, 9), g.line))
        lines = [line for g in groups if (line := _line(event, g, reference, books, wanted)) is not None]
        cards.append(EventCard(event, lines, _largest(line.best_edge for line in lines)))
    return cards


def _line(
    event: Event, group: LineGroup, reference: Reference, books: dict[int, Bookmaker], wanted: set[str]
) -> ScreenLine | None:
    """One market line as shown: None when none of the books shown quotes it."""
    rules = reference.rules
    shown = [
        books[book]
        for book in group.by_book
        if book not in group.aggregates and (not wanted or books[book].key in wanted)
    ]
    if not shown:
        return None
    shown.sort(key=lambda b: (b.pk != rules.reference, not b.is_sharp, b.title))
    fair = valuation.fair_line(group.by_book, rules, outcomes=group.outcomes, aggregates=group.aggregates)
    edges = valuation.price_edges(group.by_book, fair)
    margins = valuation.margins(group.by_book, outcomes=group.outcomes)
    order = {event.home_team: 0, DRAW: 1, event.away_team: 2, OVER: 0, UNDER: 1}
    rows = []
    for outcome in sorted(group.outcomes, key=lambda o: (order.get(o, 5), o)):
        quoted = [(book, group.by_book[book.pk].get(outcome)) for book in shown]
        prices = [q.price_decimal for _, q in quoted if q is not None]
        best = max(prices, default=None)
        probability = fair.probabilities.get(outcome) if fair else None
        cells = [
            None if q is None else _cell(event, book, q, edges.get(book.pk, {}).get(outcome), best, rules)
            for book, q in quoted
        ]
        point = next(q.point_decimal for _, q in quoted if q is not None) if group.market != H2H else None
        rows.append(OutcomeRow(outcome, point, probability, _fair_price(probability), best, cells))
    return ScreenLine(
        market=group.market,
        line=Decimal(repr(group.line)).quantize(Decimal("0.01")),
        title=MARKET_TITLES.get(group.market, group.market),
        books=[BookColumn(book, _round(margins.get(book.pk))) for book in shown],
        outcomes=rows,
        fair_note="" if fair else _why_unpriced(fair, rules),
        best_edge=_largest(cell.edge for row in rows for cell in row.cells if cell is not None),
    )


def _cell(
    event: Event, book: Bookmaker, quote: store.CurrentQuote, edge: float | None, best: Decimal, rules: StrategyRules
) -> PriceCell:
    price = quote.price_decimal
    slip = {"event": event.pk, "market": quote.market, "outcome": quote.outcome}
    if quote.market != H2H:
        slip["point"] = str(quote.point_decimal)
    slip |= {"bookmaker": book.key, "price": f"{price:.3f}"}
    return PriceCell(
        bookmaker=book,
        price=price,
        edge=_round(edge),
        best=price == best,
        value=edge is not None and edge >= rules.min_edge,
        observed_at=quote.observed_at,
        slip=urlencode(slip),
        dom_id=f"price-{quote.selection_id}-{book.pk}",
    )


def _why_unpriced(fair: valuation.Fair, rules: StrategyRules) -> str:
    if fair.basis == valuation.REFERENCE:
        return fair.error or f"{rules.reference_name or 'the reference book'} does not quote this whole line"
    return f"fewer than {rules.min_books} books quote this whole line"


def _fair_price(probability: float | None) -> Decimal | None:
    if probability is None or probability <= 0:
        return None
    return Decimal(repr(pricing.fair_price(probability))).quantize(PRICE, ROUND_HALF_UP)


def _round(fraction: float | None) -> Decimal | None:
    return None if fraction is None else Decimal(repr(fraction)).quantize(FRACTION, ROUND_HALF_UP)


def _largest(values: object) -> Decimal | None:
    return max((v for v in values if v is not None), default=None)
