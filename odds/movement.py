"""The event page's line movement: one chart per market line (the match result, each handicap and each
total quoted), one panel per outcome, with every bookmaker's prices, the fair price of a strategy's
rules, each price's opening and closing and the bettor's bets.

Built from what the page read, without a query. ``markets`` offers each market's lines (from the
event's selections quoted before kick-off, ``odds.store.quoted_selections``) and chooses the one to
chart: the one asked for, else the main one; ``charts`` draws those lines from their history
(``odds.selectors.line_movement``, in the event's window), so a page reads the history of the lines it
shows, not of every line quoted. The fair line is ``valuation.fair_line``
applied to the prices in force after each change (with a reference book, after each of its changes),
as detection values a line from current prices: a price holds until its next change. The charts tell
the story before kick-off: prices observed after it (in play) are left out, and a close is the price
in force at kick-off, as a bet's closing price is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from itertools import groupby

from odds.models import DRAW, H2H, MARKETS, OVER, SPREADS, TOTALS, UNDER, Bookmaker, Event
from odds.screen import fair_price_shown, why_unpriced
from odds.selectors import Series
from odds.store import QuotedSelection
from opportunities import valuation
from opportunities.valuation import Observation, StrategyRules

PALETTE_SIZE = 12  # colours c0..c11 in monps.css; a book keeps its colour on every chart of the page
MOST_SHOWN = 6  # books drawn at first on a line that more quote: the reference, sharp books, books bet at
MARKET_ORDER = {H2H: 0, SPREADS: 1, TOTALS: 2}
MARKET_TITLES = dict(MARKETS)
FAIR = "fair"

Point = tuple[datetime, Decimal]


@dataclass(frozen=True)
class BetMark:
    """A bet of the bettor's on one selection: drawn at its time and price."""

    bet_id: int
    selection_id: int
    placed_at: datetime
    price: Decimal
    stake: Decimal
    bookmaker_id: int
    bookmaker_title: str
    status: str


@dataclass
class Track:
    """One bookmaker's price of one outcome over time (or the fair price: ``key`` "fair")."""

    key: str
    title: str
    colour: int  # palette index; -1 for the fair price
    points: list[Point]
    closing: Point | None = None  # the price in force at kick-off, once it has passed

    @property
    def opening(self) -> Point | None:
        return self.points[0] if self.points else None


@dataclass
class Panel:
    outcome: str
    title: str  # the outcome and its point: "Burnley -0.5", "Over 2.5"
    dom_id: str
    tracks: list[Track]
    fair: Track | None
    bets: list[BetMark]

    @property
    def every_track(self) -> list[Track]:
        """The bookmakers' tracks, then the fair price's."""
        return [*self.tracks, *([self.fair] if self.fair else [])]


@dataclass(frozen=True)
class BookToggle:
    key: str
    title: str
    colour: int
    shown: bool  # drawn before the bettor toggles it


@dataclass
class LineChart:
    market: str
    line: Decimal
    label: str  # the line within its market: "Burnley -0.5", "2.5"; "" for the match result
    dom_id: str
    start: datetime
    end: datetime
    kickoff: datetime | None  # marked once it has passed: the charts end there
    books: list[BookToggle]
    panels: list[Panel]
    fair_note: str  # why there is no fair line, or ""


@dataclass(frozen=True)
class LineOption:
    """A line of a market as the line picker offers it."""

    market: str
    line: Decimal
    label: str
    dom_id: str
    selection_ids: tuple[int, ...]
    books: int  # the bookmakers that priced it
    bets: int  # the bettor's bets on it
    main: bool = False

    @property
    def value(self) -> str:
        """The line as the picker sends it (``?spreads=-0.5``)."""
        return f"{self.line.normalize():f}"


@dataclass
class MarketCharts:
    """A market's lines, and the one charted: the line asked for, else the main one."""

    market: str
    title: str
    options: list[LineOption]
    chosen: LineOption
    missing: str = ""  # the line asked for, when the market has no such line
    chart: LineChart | None = None


def markets(
    event: Event, quoted: Iterable[QuotedSelection], *, bets: Iterable[BetMark], wanted: Mapping[str, str]
) -> list[MarketCharts]:
    """The event's markets in order (match result, handicap, over/under) from its selections quoted
    before kick-off (``odds.store.quoted_selections``), each with its lines in order of line, the main
    one marked (the most bookmakers, then the most even prices, then the smallest line), and the line
    to chart: ``wanted[market]`` (the line as text) when the market has it, else the main one."""
    on_selection: dict[int, int] = defaultdict(int)
    for bet in bets:
        on_selection[bet.selection_id] += 1
    by_line: dict[tuple[str, Decimal], list[QuotedSelection]] = defaultdict(list)
    for row in quoted:
        by_line[(row.market, row.line)].append(row)
    order = _outcome_order(event)
    found: dict[str, list[tuple[tuple[int, float, float], LineOption]]] = defaultdict(list)
    for (market, line), rows in sorted(by_line.items(), key=lambda kv: (MARKET_ORDER.get(kv[0][0], 9), kv[0][1])):
        rows.sort(key=lambda r: (order.get(r.outcome, 5), r.outcome))
        books = len({book for row in rows for book in row.bookmaker_ids})
        evenness = -abs(rows[0].mean_price - rows[1].mean_price) if len(rows) == 2 else 0.0
        option = LineOption(
            market=market,
            line=line,
            label=_line_label(event, market, line),
            dom_id=_dom_id(market, line),
            selection_ids=tuple(row.selection_id for row in rows),
            books=books,
            bets=sum(on_selection[row.selection_id] for row in rows),
        )
        found[market].append(((books, evenness, -abs(float(line))), option))
    charted = []
    for market, ranked in found.items():
        main = max(ranked, key=lambda r: r[0])[1]
        options = [replace(option, main=option is main) for _, option in ranked]
        title = MARKET_TITLES.get(market, market)
        asked = wanted.get(market)
        chosen = next((o for o in options if asked is not None and o.value == asked), None)
        missing = "" if chosen or asked is None else f"{title}: no line {asked!r} is quoted; the main line is shown"
        charted.append(MarketCharts(market, title, options, chosen or next(o for o in options if o.main), missing))
    return charted


def book_colours(
    bookmaker_ids: Iterable[int], bookmakers: Mapping[int, Bookmaker], rules: StrategyRules
) -> dict[int, int]:
    """A colour (palette index) for each bookmaker of the event, the same on every chart of its page."""
    order = sorted(set(bookmaker_ids), key=lambda b: _book_order(bookmakers[b], rules))
    return {book: index % PALETTE_SIZE for index, book in enumerate(order)}


def charts(
    event: Event,
    series: Iterable[Series],
    *,
    bookmakers: Mapping[int, Bookmaker],
    colours: Mapping[int, int],
    bets: Iterable[BetMark],
    rules: StrategyRules,
    now: datetime,
) -> dict[tuple[str, Decimal], LineChart]:
    """The chart of each line (market, line) of these price changes (``odds.selectors.line_movement``)."""
    kickoff = event.commence_time
    started = kickoff <= now
    end = kickoff if started else now
    by_line: dict[tuple[str, Decimal], list[tuple[Series, list[Point]]]] = defaultdict(list)
    for item in series:
        points = [(at, price) for at, price in item.points if at <= kickoff]
        if points and not bookmakers[item.bookmaker_id].is_aggregate:  # no one can take a market best or average
            by_line[(item.market, item.line)].append((item, points))
    by_selection: dict[int, list[BetMark]] = defaultdict(list)
    for bet in bets:
        by_selection[bet.selection_id].append(bet)
    return {
        (market, line): _line_chart(
            event,
            market,
            line,
            quoted,
            bookmakers=bookmakers,
            colours=colours,
            bets=by_selection,
            rules=rules,
            closing_at=kickoff if started else None,
            end=end,
        )
        for (market, line), quoted in by_line.items()
    }


def _book_order(book: Bookmaker, rules: StrategyRules) -> tuple[bool, bool, str]:
    return book.pk != rules.reference, not book.is_sharp, book.title


def _line_chart(
    event: Event,
    market: str,
    line: Decimal,
    quoted: list[tuple[Series, list[Point]]],
    *,
    bookmakers: Mapping[int, Bookmaker],
    colours: Mapping[int, int],
    bets: Mapping[int, list[BetMark]],
    rules: StrategyRules,
    closing_at: datetime | None,
    end: datetime,
) -> LineChart:
    outcome_order = _outcome_order(event)
    by_outcome: dict[str, list[tuple[Series, list[Point]]]] = defaultdict(list)
    for item, points in quoted:
        by_outcome[item.outcome].append((item, points))
    outcomes = sorted(by_outcome, key=lambda o: (outcome_order.get(o, 5), o))
    fair, note = fair_prices(
        [(item.bookmaker_id, item.outcome, points) for item, points in quoted],
        rules,
        outcomes=outcomes,
        sport=event.sport_id,
        market=market,
    )
    books = sorted({item.bookmaker_id for item, _ in quoted}, key=lambda b: _book_order(bookmakers[b], rules))
    line_bets = [bet for selection in {item.selection_id for item, _ in quoted} for bet in bets.get(selection, [])]
    shown = _shown(books, bookmakers, rules, {bet.bookmaker_id for bet in line_bets})
    panels: list[Panel] = []
    for outcome in outcomes:
        tracks = []
        for item, points in sorted(by_outcome[outcome], key=lambda q: books.index(q[0].bookmaker_id)):
            book = bookmakers[item.bookmaker_id]
            closing = (closing_at, points[-1][1]) if closing_at else None
            tracks.append(Track(book.key, book.title, colours[book.pk], points, closing))
        fair_points = fair.get(outcome, [])
        fair_track = None
        if fair_points:
            fair_closing = (closing_at, fair_points[-1][1]) if closing_at else None
            fair_track = Track(FAIR, "Fair price", -1, fair_points, fair_closing)
        selection_ids = {item.selection_id for item, _ in by_outcome[outcome]}
        panel_bets = sorted(
            (bet for selection in selection_ids for bet in bets.get(selection, [])), key=lambda b: b.placed_at
        )
        point = by_outcome[outcome][0][0].point
        dom_id = f"{_dom_id(market, line)}-{len(panels)}"
        panels.append(Panel(outcome, _outcome_title(outcome, market, point), dom_id, tracks, fair_track, panel_bets))
    times = [at for _, points in quoted for at, _ in points] + [bet.placed_at for bet in line_bets]
    return LineChart(
        market=market,
        line=line,
        label=_line_label(event, market, line),
        dom_id=_dom_id(market, line),
        start=min(times),
        end=max([end, *times]),
        kickoff=closing_at,
        books=[BookToggle(bookmakers[b].key, bookmakers[b].title, colours[b], b in shown) for b in books],
        panels=panels,
        fair_note=note,
    )


def fair_prices(
    changes: Iterable[tuple[int, str, list[Point]]],
    rules: StrategyRules,
    *,
    outcomes: list[str],
    sport: int | None,
    market: str,
) -> tuple[dict[str, list[Point]], str]:
    """The fair price of each outcome of one line over time, from its bookmakers' price changes
    ``(bookmaker id, outcome, [(time, price)])``: ``valuation.fair_line`` on the prices in force after
    every moment one changed (with a reference book, one of its own), each fair price rounded as the
    odds screen shows it, a point where it moved. With no fair price ever, why (else "")."""
    flat = sorted((at, book, outcome, price) for book, outcome, points in changes for at, price in points)
    in_force: dict[int, dict[str, Observation]] = {}
    found: dict[str, list[Point]] = {o: [] for o in outcomes}
    fair = None
    for at, moment in groupby(flat, key=lambda change: change[0]):
        moved = set()
        for _, book, outcome, price in moment:
            in_force.setdefault(book, {})[outcome] = Observation(float(price), at.timestamp())
            moved.add(book)
        if rules.reference is not None and rules.reference not in moved:
            continue  # the reference's line alone prices it: unchanged
        fair = valuation.fair_line(in_force, rules, outcomes=outcomes, sport=sport, market=market)
        for outcome, probability in (fair.probabilities or {}).items():
            shown = fair_price_shown(probability)
            if shown is not None and (not found[outcome] or found[outcome][-1][1] != shown):
                found[outcome].append((at, shown))
    if any(found.values()):
        return found, ""
    if fair is None:
        fair = valuation.fair_line({}, rules, outcomes=outcomes, sport=sport, market=market)
    return found, why_unpriced(fair, rules)


def _shown(books: list[int], bookmakers: Mapping[int, Bookmaker], rules: StrategyRules, bet_at: set[int]) -> set[int]:
    """The books drawn at first: the reference, sharp books and the books bet at, then the others in
    order, up to ``MOST_SHOWN`` (more when those first ones are more)."""
    first = [b for b in books if b == rules.reference or bookmakers[b].is_sharp or b in bet_at]
    rest = [b for b in books if b not in first]
    return set(first + rest[: max(0, MOST_SHOWN - len(first))])


def _line_label(event: Event, market: str, line: Decimal) -> str:
    if market == SPREADS:
        return f"{event.home_team} {_signed(line)}"
    if market == TOTALS:
        return f"{line.normalize():f}"
    return ""


def _outcome_title(outcome: str, market: str, point: Decimal | None) -> str:
    if market == SPREADS and point is not None:
        return f"{outcome} {_signed(point)}"
    if market == TOTALS and point is not None:
        return f"{outcome} {point.normalize():f}"
    return outcome


def _signed(value: Decimal) -> str:
    return f"{value.normalize():+f}" if value else "0"


def _dom_id(market: str, line: Decimal) -> str:
    return f"line-{market}-" + f"{line.normalize():f}".replace("-", "m").replace(".", "_")


def _outcome_order(event: Event) -> dict[str, int]:
    return {event.home_team: 0, DRAW: 1, event.away_team: 2, OVER: 0, UNDER: 1}
