"""The bookmakers compared over a period, for ``/stats/bookmakers/`` and ``GET /api/stats/bookmakers/``.

Over the events that kicked off in the period (all history by default), each bookmaker's price of
every selection at the close (its last price at or before kick-off) or at the opening (its first
price from ``ODDS_HISTORY_LEAD_DAYS`` before kick-off), from one pass over the period's price
changes (``odds.store.period_history``), line by line. A line is one market of one event at one
handicap or total; its outcomes are every outcome any bookmaker quoted on it. Per bookmaker and
market:

- average margin: the mean over its complete markets (lines where it quoted every outcome) of
  ``Σ 1 / price − 1`` (``pricing.margin``);
- best-price share: of the outcomes it quoted that at least one other bookmaker quoted too, the
  share where its price was the highest (an equal highest counts for each);
- average edge: the mean over its prices on lines that the reference can price of
  ``price × fair probability − 1``, the fair probabilities by ``opportunities.valuation.fair_line``
  under a strategy's rules: its reference book's devigged prices, or the consensus of its minimum
  number of books (the first active strategy's unless one is named; without any, the consensus of
  three books, multiplicative);
- following the sharp book (the reference book, or without one the first bookmaker marked sharp):
  for each move of the sharp book's price of a selection, the time until the bookmaker's next
  change of that selection in the same direction, within ``FOLLOW_CAP`` (``follow_moves``
  defines it exactly): the moves counted, the share followed and the median delay;
- the average margin per day, week or month of kick-off (by the length of the period), for the chart.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import NamedTuple

from django.db.models import Max, Min
from django.utils import timezone

from odds import store
from odds.models import MARKETS, Bookmaker, Event
from odds.selectors import history_lead
from opportunities import pricing, valuation
from opportunities.models import Strategy
from opportunities.valuation import StrategyRules

FOLLOW_CAP = timedelta(hours=2)
MARKET_ORDER = [key for key, _ in MARKETS]
# Without a strategy: the consensus of this many complete books, multiplicative.
FALLBACK_RULES = StrategyRules(method="multiplicative", reference=None, min_books=3, name="")
DAY, WEEK, MONTH = "day", "week", "month"
OPENING, CLOSING = "opening", "closing"


@dataclass(frozen=True)
class Reference:
    """Where the fair prices and the sharp moves come from."""

    basis: str  # valuation.REFERENCE or valuation.CONSENSUS
    bookmaker: str | None  # the reference book's key (None: the consensus)
    bookmaker_title: str | None
    method: str
    min_books: int | None  # the consensus's fewest complete books
    strategy: str | None  # the strategy whose rules these are (None: no strategy)
    sharp: str | None  # the key of the book whose moves are followed (None: no sharp book)
    sharp_title: str | None

    @property
    def label(self) -> str:
        fair = (
            f"{self.bookmaker_title}'s prices"
            if self.basis == valuation.REFERENCE
            else f"the consensus of at least {self.min_books} bookmakers"
        )
        rules = f"the rules of the strategy “{self.strategy}”" if self.strategy else "no strategy"
        return f"Fair prices from {fair}, devigged by the {self.method.replace('_', ' ')} method ({rules})."


@dataclass(frozen=True)
class MarginPoint:
    period: datetime  # the start of the day, week (Monday) or month of kick-off, UTC
    markets: int
    average_margin: float


@dataclass(frozen=True)
class BookmakerFigures:
    bookmaker: str
    bookmaker_title: str
    market: str
    complete_markets: int
    average_margin: float | None
    quoted_outcomes: int
    best_price_share: float | None
    priced_outcomes: int
    average_edge: float | None
    sharp_moves: int | None  # None for the sharp book itself, or without a sharp book
    followed_moves: int | None
    followed_share: float | None
    median_follow_seconds: float | None
    margin_series: list[MarginPoint] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    at: str
    market: str | None
    start: datetime | None  # the first and last kick-off of the events read (None: no event)
    end: datetime | None
    events: int
    bucket: str
    reference: Reference
    follow_cap: timedelta
    rows: list[BookmakerFigures]


class _Price(NamedTuple):
    price: float  # what ``valuation`` reads of a price


@dataclass
class _Tally:
    """Running sums of one bookmaker in one market."""

    margins: float = 0.0
    complete: int = 0
    quoted: int = 0
    best: int = 0
    edges: float = 0.0
    priced: int = 0
    by_period: dict[datetime, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0]))


def bucket_of(span: timedelta) -> str:
    """Days for a period up to a month, weeks up to a year, months beyond."""
    return DAY if span <= timedelta(days=31) else WEEK if span <= timedelta(days=366) else MONTH


def period_start(epoch: float, bucket: str) -> datetime:
    moment = datetime.fromtimestamp(epoch, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == WEEK:
        return moment - timedelta(days=moment.weekday())
    if bucket == MONTH:
        return moment.replace(day=1)
    return moment


class LinePrice(NamedTuple):
    """One bookmaker's price of one outcome of a line, at the opening or the close."""

    bookmaker_id: int
    outcome: str
    price: float


def prices_at(changes: Sequence[store.PeriodPrice], at: str) -> list[LinePrice]:
    """Each bookmaker's price of each selection of a line ``at`` the close (its last change: the
    history read stops at kick-off) or the opening (its first), from the line's changes in time order."""
    chosen: dict[tuple[int, int], store.PeriodPrice] = {}
    for change in changes:
        key = (change.selection_id, change.bookmaker_id)
        if at == CLOSING or key not in chosen:
            chosen[key] = change
    return [LinePrice(c.bookmaker_id, c.outcome, c.price) for c in chosen.values()]


def tally_line(
    tallies: dict[tuple[int, str], _Tally],
    market: str,
    period: datetime,
    prices: Iterable[LinePrice],
    rules: StrategyRules,
) -> None:
    """Add one line's margins, best prices and edges to each bookmaker's running sums in ``market``."""
    line: dict[int, dict[str, _Price]] = defaultdict(dict)
    by_outcome: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for book, outcome, price in prices:
        line[book][outcome] = _Price(price)
        by_outcome[outcome].append((book, price))
    outcomes = sorted(by_outcome)
    for book, quotes in line.items():
        if len(outcomes) >= 2 and len(quotes) == len(outcomes):
            tally = tallies[(book, market)]
            value = pricing.margin([quotes[o].price for o in outcomes])
            tally.margins += value
            tally.complete += 1
            point = tally.by_period[period]
            point[0] += value
            point[1] += 1
    for quoted in by_outcome.values():
        if len(quoted) < 2:
            continue
        best = max(price for _, price in quoted)
        for book, price in quoted:
            tally = tallies[(book, market)]
            tally.quoted += 1
            tally.best += price == best
    fair = valuation.fair_line(line, rules, outcomes=outcomes)
    if fair.probabilities is not None:
        for book, quotes in line.items():
            tally = tallies[(book, market)]
            for outcome, quote in quotes.items():
                tally.edges += pricing.edge(quote.price, fair.probabilities[outcome])
                tally.priced += 1


@dataclass
class _Follows:
    """Running counts of one bookmaker following the sharp book in one market."""

    moves: int = 0
    delays: list[float] = field(default_factory=list)


def follow_moves(
    follows: dict[tuple[int, str], _Follows], market: str, changes: Iterable[store.PeriodPrice], sharp: int, cap: float
) -> None:
    """How each bookmaker followed the sharp book's moves on one line, added to ``follows``.

    ``changes`` are the line's price changes by selection (one outcome of the line) and time, the
    sharp book's first at equal times, within each event's window up to kick-off. A move of the
    sharp book is a change of its price of a selection from its previous observation, up or down
    (history is change-only, so its first observation in the window is no move). A bookmaker is
    counted for a move when it had quoted that selection before it. It follows the move at its
    first change of the same selection in the same direction from the moment of the move on, if
    that comes within ``cap`` seconds of it; the delay is the time between the two."""
    for _, rows in groupby(changes, key=lambda c: c.selection_id):
        last: dict[int, float] = {}  # each bookmaker's price so far
        waiting: dict[tuple[int, int], list[float]] = defaultdict(list)  # (book, direction): move times
        for change in rows:
            book, price, at = change.bookmaker_id, change.price, change.observed_epoch
            before = last.get(book)
            last[book] = price
            if before is None or price == before:
                continue
            direction = 1 if price > before else -1
            if book == sharp:
                for other in last:
                    if other != sharp:
                        follows[(other, market)].moves += 1
                        waiting[(other, direction)].append(at)
                continue
            for moved_at in waiting.pop((book, direction), ()):
                if at - moved_at <= cap:
                    follows[(book, market)].delays.append(at - moved_at)


def _rules(strategy: Strategy | None) -> tuple[StrategyRules, Strategy | None]:
    if strategy is None:
        strategy = (
            Strategy.objects.filter(active=True)
            .select_related("reference_bookmaker")
            .prefetch_related("sports", "bookmakers")
            .order_by("pk")
            .first()
        )
    if strategy is None:
        return FALLBACK_RULES, None
    return StrategyRules.from_strategy(strategy), strategy


def _reference(rules: StrategyRules, strategy: Strategy | None, books: dict[int, Bookmaker]) -> Reference:
    reference = books.get(rules.reference) if rules.reference is not None else None
    sharp = reference or next(
        (b for b in sorted(books.values(), key=lambda b: b.key) if b.is_sharp and not b.is_aggregate), None
    )
    return Reference(
        basis=valuation.REFERENCE if reference else valuation.CONSENSUS,
        bookmaker=reference.key if reference else None,
        bookmaker_title=reference.title if reference else None,
        method=rules.method,
        min_books=None if reference else rules.min_books,
        strategy=strategy.name if strategy else None,
        sharp=sharp.key if sharp else None,
        sharp_title=sharp.title if sharp else None,
    )


def compare(
    *,
    market: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    at: str = CLOSING,
    strategy: Strategy | None = None,
    now: datetime | None = None,
) -> Comparison:
    """The bookmakers compared over the events kicking off from ``start`` to ``end`` (each open:
    all history up to ``now``) in ``market`` (or all): a fixed number of queries, whatever the number
    of events (the period's bounds, the strategy and its sports and books, the bookmakers, and one
    pass over the period's price changes)."""
    now = now or timezone.now()
    end = min(end, now) if end else now
    events = Event.objects.filter(commence_time__lte=end, cancelled=False)
    if start:
        events = events.filter(commence_time__gte=start)
    if market:
        events = events.filter(selections__market=market)
    bounds = events.aggregate(first=Min("commence_time"), last=Max("commence_time"))
    first, last = bounds["first"], bounds["last"]
    rules, strategy = _rules(strategy)
    books = {b.pk: b for b in Bookmaker.objects.all()}
    reference = _reference(rules, strategy, books)
    bucket = bucket_of((last - first) if first else timedelta(0))
    markets = [market] if market else None
    read_from, read_to = (first, last) if first else (now, now)  # no event: an empty range, read all the same
    sharp_id = next((pk for pk, b in books.items() if b.key == reference.sharp), None)
    tallies: dict[tuple[int, str], _Tally] = defaultdict(_Tally)
    follows: dict[tuple[int, str], _Follows] = defaultdict(_Follows)
    event_ids: set[int] = set()
    changes = store.period_history(
        start=read_from, end=read_to, markets=markets, lead=history_lead(), first_at_equal_times=sharp_id
    )
    cap = FOLLOW_CAP.total_seconds()
    for (event_id, line_market, _), rows in groupby(changes, key=lambda c: (c.event_id, c.market, c.line)):
        line = list(rows)
        event_ids.add(event_id)
        period = period_start(line[0].kickoff_epoch, bucket)
        tally_line(tallies, line_market, period, prices_at(line, at), rules)
        if sharp_id is not None:
            follow_moves(follows, line_market, line, sharp_id, cap)
    figures = list(_figures(tallies, follows, books, sharp_id))
    return Comparison(at, market, first, last, len(event_ids), bucket, reference, FOLLOW_CAP, figures)


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


def _figures(
    tallies: dict[tuple[int, str], _Tally],
    follows: dict[tuple[int, str], _Follows],
    books: dict[int, Bookmaker],
    sharp_id: int | None,
) -> Iterator[BookmakerFigures]:
    def order(key: tuple[int, str]) -> tuple[int, str]:
        book, market = key
        return (MARKET_ORDER.index(market) if market in MARKET_ORDER else len(MARKET_ORDER), books[book].key)

    for key in sorted(tallies, key=order):
        book, market = key
        tally = tallies[key]
        follow = follows.get(key, _Follows())
        counted = sharp_id is not None and book != sharp_id
        moves = follow.moves if counted else None
        followed = len(follow.delays) if counted else None
        yield BookmakerFigures(
            bookmaker=books[book].key,
            bookmaker_title=books[book].title,
            market=market,
            complete_markets=tally.complete,
            average_margin=_mean(tally.margins, tally.complete),
            quoted_outcomes=tally.quoted,
            best_price_share=_mean(tally.best, tally.quoted),
            priced_outcomes=tally.priced,
            average_edge=_mean(tally.edges, tally.priced),
            sharp_moves=moves,
            followed_moves=followed,
            followed_share=_mean(followed, moves) if moves and followed is not None else None,
            median_follow_seconds=statistics.median(follow.delays) if counted and follow.delays else None,
            margin_series=[
                MarginPoint(period, int(n), total / n) for period, (total, n) in sorted(tally.by_period.items())
            ],
        )


def margin_chart_lines(
    rows: list[BookmakerFigures], market: str, *, most: int = 6
) -> list[tuple[str, list[tuple[datetime, float]]]]:
    """The margin series of the ``most`` bookmakers with the most complete markets in ``market``:
    (title, [(period, margin)]) for ``web.charts``; more lines than that no longer read."""
    chosen = sorted((r for r in rows if r.market == market and r.margin_series), key=lambda r: -r.complete_markets)
    return [(r.bookmaker_title, [(p.period, p.average_margin) for p in r.margin_series]) for r in chosen[:most]]
