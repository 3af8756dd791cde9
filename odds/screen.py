"""The odds screen (``/odds/``): upcoming events' market lines, every bookmaker's price with the best
marked, the fair price of a strategy's rules, each book's margin and each price's edge.

A page costs the same number of queries whatever its number of events: the events (filtered by
``odds.filters.OddsScreenFilter``), their current quotes (``odds.store.current_quotes``, grouped into
lines by detection's own ``group_lines``) and the bookmakers. Each line is valued as detection values
it, by ``opportunities.valuation``: the fair probabilities by ``fair_line`` over every book quoting the
line (the books shown are a choice of the bettor's, the fair price is the strategy's), the edges by
``price_edges`` and the margins by ``margins``. An exchange's price is shown with its price net of
commission beside it, and its edge and the line's best price are the net price's. Lay prices are
read only for an exchange-midpoint strategy, to price the lines they lay; they are no line shown.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from urllib.parse import quote_plus, urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from odds import store
from odds.filters import EDGE
from odds.models import BACK_MARKETS, DRAW, H2H, LAY_MARKETS, MARKETS, OVER, SPREADS, TOTALS, UNDER, Bookmaker, Event
from opportunities import pricing, valuation
from opportunities.detection import LineGroup, group_lines, lay_prices, load_reference_lines
from opportunities.models import Strategy
from opportunities.valuation import MIDPOINT, BookTerms, StrategyRules

PER_PAGE = 10  # events: with 30 books a page holds some 2,000 prices
# Rounded as opportunities store them, so the screen and the opportunities page agree to the digit.
PRICE = Decimal("0.001")
FRACTION = Decimal("0.00001")
MARKET_ORDER = {H2H: 0, SPREADS: 1, TOTALS: 2}
Edge = TypeVar("Edge", Decimal, float)  # a line's edges as valued (float) or as shown (Decimal)
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
    rules = StrategyRules.from_strategy(strategy)  # with the bookmakers' terms from odds_screen
    return Reference(rules, strategy, f"{strategy.name}: {strategy.reference_label}, {_method(rules.method)}", missing)


def _method(method: str) -> str:
    return method.replace("_", " ")


@dataclass
class PriceCell:
    """One bookmaker's price of one outcome, and what the bet slip is opened with."""

    bookmaker: Bookmaker
    price: Decimal
    net_price: Decimal | None  # after the bookmaker's commission; None: it charges none
    edge: Decimal | None
    best: bool
    value: bool  # an edge of at least the strategy's minimum
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
    page: Page[Event]
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
    read; by edge every event's quotes are read and its lines valued first, its largest edge at a book
    shown deciding its place, and only the page's events are made into cards."""
    books = {book.pk: book for book in Bookmaker.objects.all()}
    terms = BookTerms(
        commissions={pk: float(b.commission) for pk, b in books.items() if b.commission},
        exchanges=frozenset(pk for pk, b in books.items() if b.is_exchange),
    )
    rules = replace(reference.rules, commissions=terms.commissions, exchanges=terms.exchanges)
    choice = Choice(rules, books, frozenset(bookmakers))
    if sort == EDGE:
        listed = list(events)
        largest = _largest_edges(listed, choice, now=now, markets=markets)
        listed.sort(key=lambda e: (largest[e.pk] is None, -(largest[e.pk] or 0), e.commence_time, e.pk))
        shown = Paginator(listed, PER_PAGE).get_page(page)
    else:
        shown = Paginator(events, PER_PAGE).get_page(page)
    lines = _lines(list(shown.object_list), now=now, markets=markets, choice=choice)
    return Screen(shown, [_card(event, lines.get(event.pk, []), choice) for event in shown.object_list])


def _largest_edges(
    events: list[Event], choice: Choice, *, now: datetime, markets: Collection[str]
) -> dict[int, float | None]:
    """Each event's largest edge at the books shown: an outcome's largest is at its best price. When a
    bookmaker's line is the truth and every book is shown, the database summarises each selection (its
    best price and the reference's, ``store.selection_summaries``, read as detection reads them): one
    row a selection instead of one a price."""
    rules = choice.rules
    reference = rules.reference
    by_book = reference is not None and rules.basis != MIDPOINT
    if reference is not None and by_book and not choice.wanted and not choice.books[reference].is_aggregate:
        ids = [e.pk for e in events]
        groups = load_reference_lines(now=now, references=[reference], event_ids=ids, commissions=rules.commissions)[0]
        summarised = True
    else:
        lines = _lines(events, now=now, markets=markets, choice=choice)
        groups = [group for event_lines in lines.values() for group in event_lines]
        summarised = False
    largest: dict[int, float | None] = {e.pk: None for e in events}
    for group in groups:
        if summarised and markets and group.market not in markets:
            continue
        edges = _edges_at_best(group, choice) if summarised else _edges_shown(group, choice)
        largest[group.event_id] = _largest([largest[group.event_id], *edges])
    return largest


def _edges_at_best(group: LineGroup, choice: Choice) -> list[float]:
    best: dict[int, dict[str, store.CurrentQuote]] = {}
    for outcome, quote in group.top.items():
        best.setdefault(quote.bookmaker_id, {})[outcome] = quote
    edges = valuation.price_edges(best, choice.fair(group), choice.rules)
    return [e for book_edges in edges.values() for e in book_edges.values()]


def _edges_shown(group: LineGroup, choice: Choice) -> list[float]:
    edges = valuation.price_edges(group.by_book, choice.fair(group), choice.rules)
    return [e for book in choice.shown(group) for e in edges.get(book.pk, {}).values()]


@dataclass(frozen=True)
class Choice:
    """What the bettor chose: the rules that price a line, and the books shown (none chosen: every one)."""

    rules: StrategyRules
    books: dict[int, Bookmaker]
    wanted: frozenset[str]
    # The lay prices of the lines shown, for a midpoint strategy (``lay_prices``): filled by ``_lines``.
    lays: dict[tuple[int, str, float], dict[int, dict[str, store.CurrentQuote]]] = field(default_factory=dict)

    def shown(self, group: LineGroup) -> list[Bookmaker]:
        """The books of a line shown, the reference first, then sharp books, then by title: never a
        market best or average, which no one can bet at."""
        shown = [
            self.books[book]
            for book in group.by_book
            if book not in group.aggregates and (not self.wanted or self.books[book].key in self.wanted)
        ]
        return sorted(shown, key=lambda b: (b.pk != self.rules.reference, not b.is_sharp, b.title))

    def fair(self, group: LineGroup) -> valuation.Fair:
        lay = self.lays.get((group.event_id, group.market, group.line))
        return valuation.fair_line(
            group.by_book, self.rules, outcomes=group.outcomes, aggregates=group.aggregates, lay=lay
        )


def _lines(
    events: list[Event], *, now: datetime, markets: Collection[str], choice: Choice
) -> dict[int, list[LineGroup]]:
    """The events' current quotes of back markets grouped by line, by event, in market and line order:
    one query (which reads the lay prices too for a midpoint strategy, into ``choice.lays``)."""
    if not events:
        return {}
    wanted = list(markets) or BACK_MARKETS
    if choice.rules.basis == MIDPOINT:
        wanted = [*wanted, *LAY_MARKETS]
    quotes = store.current_quotes(now=now, event_ids=[e.pk for e in events], markets=wanted)
    groups = group_lines(quotes, choice.rules.commissions)[0]
    choice.lays.update(lay_prices(groups))
    by_event: dict[int, list[LineGroup]] = {}
    for group in sorted(groups, key=lambda g: (MARKET_ORDER.get(g.market, 9), g.line)):
        if group.market not in LAY_MARKETS:
            by_event.setdefault(group.event_id, []).append(group)
    return by_event


def _card(event: Event, groups: list[LineGroup], choice: Choice) -> EventCard:
    lines = [line for group in groups if (line := _line(event, group, choice)) is not None]
    return EventCard(event, lines, _largest(line.best_edge for line in lines))


def _line(event: Event, group: LineGroup, choice: Choice) -> ScreenLine | None:
    """One market line as shown: None when none of the books shown quotes it."""
    shown = choice.shown(group)
    if not shown:
        return None
    rules = choice.rules
    fair = choice.fair(group)
    edges = valuation.price_edges(group.by_book, fair, rules)
    margins = valuation.margins(group.by_book, outcomes=group.outcomes)
    order = {event.home_team: 0, DRAW: 1, event.away_team: 2, OVER: 0, UNDER: 1}
    rows = []
    for outcome in sorted(group.outcomes, key=lambda o: (order.get(o, 5), o)):
        quoted = [(book, group.by_book[book.pk].get(outcome)) for book in shown]
        prices = [_net(book, q.price_decimal) for book, q in quoted if q is not None]
        best = max(prices, default=None)  # the best net price
        probability = fair.probabilities.get(outcome) if fair.probabilities is not None else None
        slip = urlencode({"event": event.pk, "market": group.market, "outcome": outcome})
        if group.market != H2H:
            slip += f"&point={next(q.point_decimal for _, q in quoted if q is not None)}"
        cells = [
            None if q is None else _cell(book, q, edges.get(book.pk, {}).get(outcome), best, rules, slip)
            for book, q in quoted
        ]
        point = next(q.point_decimal for _, q in quoted if q is not None) if group.market != H2H else None
        rows.append(OutcomeRow(outcome, point, probability, fair_price_shown(probability), best, cells))
    return ScreenLine(
        market=group.market,
        line=Decimal(repr(group.line)).quantize(Decimal("0.01")),
        title=MARKET_TITLES.get(group.market, group.market),
        books=[BookColumn(book, _round(margins.get(book.pk))) for book in shown],
        outcomes=rows,
        fair_note="" if fair else why_unpriced(fair, rules),
        best_edge=_largest(cell.edge for row in rows for cell in row.cells if cell is not None),
    )


def _cell(
    book: Bookmaker,
    quote: store.CurrentQuote,
    edge: float | None,
    best: Decimal | None,
    rules: StrategyRules,
    slip: str,
) -> PriceCell:
    """A price and the bet slip's query for it: ``slip`` (the event, market, outcome and point) and its
    bookmaker and decimal price; ``best`` the line's best net price."""
    price = quote.price_decimal
    net = _net(book, price)
    return PriceCell(
        bookmaker=book,
        price=price,
        net_price=net if net != price else None,
        edge=_round(edge),
        best=net == best,
        value=edge is not None and edge >= rules.min_edge,
        slip=f"{slip}&bookmaker={quote_plus(book.key)}&price={price:.3f}",
        dom_id=f"price-{quote.selection_id}-{book.pk}",
    )


def _net(book: Bookmaker, price: Decimal) -> Decimal:
    """The price net of the bookmaker's commission, as opportunities store prices."""
    return pricing.net_price(price, book.commission).quantize(PRICE, ROUND_HALF_UP)


def why_unpriced(fair: valuation.Fair, rules: StrategyRules) -> str:
    """Why a line has no fair price under ``rules``: the odds screen's, the event page's and the bet slip's words."""
    if fair.basis == valuation.MIDPOINT_BASIS:
        where = rules.reference_name or "the exchanges"
        return fair.error or f"{where} do not quote both a back and a lay price of every outcome"
    if fair.basis == valuation.REFERENCE:
        return fair.error or f"{rules.reference_name or 'the reference book'} does not quote this whole line"
    return f"fewer than {rules.min_books} books quote this whole line"


def fair_price_shown(probability: float | None) -> Decimal | None:
    """A fair probability as the price shown, rounded as opportunities store prices (None for none)."""
    if probability is None or probability <= 0:
        return None
    return Decimal(repr(pricing.fair_price(probability))).quantize(PRICE, ROUND_HALF_UP)


def _round(fraction: float | None) -> Decimal | None:
    return None if fraction is None else Decimal(repr(fraction)).quantize(FRACTION, ROUND_HALF_UP)


def _largest(values: Iterable[Edge | None]) -> Edge | None:
    return max((v for v in values if v is not None), default=None)
