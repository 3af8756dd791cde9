"""The bet slip's reads: what it offers for an event (the lines, outcomes and bookmakers of the event's
stored prices) and what a price is worth there by a strategy's rules: the fair price, the edge and the
Kelly stake for the bankroll now.

A line is valued as detection and the odds screen value it, by ``opportunities.valuation``: the fair
probabilities by ``fair_line`` over every book quoting the line, the price's edge and Kelly share by
``price_value``, the stake by ``detection.suggested_stake``. The event's current prices are read once
(``odds.selectors.price_table``), for the slip's choices and for its figures alike."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce

from bets.models import Bet
from bets.selectors import bankroll, book_balance
from odds.markets import MARKET_KEYS, line_of, outcomes_of
from odds.models import H2H, MARKETS, SPREADS, Bookmaker, Event
from odds.screen import Reference, why_unpriced
from odds.selectors import PriceRow, price_table
from opportunities import pricing, valuation
from opportunities.detection import suggested_stake
from web.preferences import active, rounded_stake

PRICE = Decimal("0.001")
FRACTION = Decimal("0.00001")
ZERO = Decimal("0.00")
MARKET_ORDER = [key for key, _ in MARKETS]
# The bettor's choices, in the order a change to one can change the next.
PICKS = ("market", "outcome", "point", "bookmaker")


@dataclass(frozen=True)
class Selected:
    """What the slip holds so far, each part as read (None: missing or unreadable)."""

    event: Event | None = None
    market: str | None = None
    outcome: str | None = None
    point: Decimal | None = None
    bookmaker: str | None = None  # its key
    price: Decimal | None = None  # decimal odds
    stake: Decimal | None = None
    bookmaker_title: str = ""

    @property
    def market_title(self) -> str:
        return dict(MARKETS).get(self.market or "", self.market or "")


@dataclass(frozen=True)
class EventPrices:
    """An event's current prices by selection (``price_table``'s rows) and the books quoting them."""

    event: Event
    rows: list[PriceRow]
    bookmakers: list[Bookmaker]

    @classmethod
    def of(cls, event: Event) -> EventPrices:
        """One query."""
        rows, bookmakers = price_table(event)
        return cls(event, rows, bookmakers)

    def row(self, market: str | None, outcome: str | None, point: Decimal | None) -> PriceRow | None:
        for row in self.rows:
            if (row.market, row.outcome) == (market, outcome) and (market == H2H or row.point == point):
                return row
        return None

    def markets(self) -> list[str]:
        quoted = {row.market for row in self.rows}
        return [market for market in MARKET_ORDER if market in quoted]

    def points(self, market: str | None, outcome: str | None) -> list[Decimal]:
        """The handicaps or totals stored for an outcome, in order."""
        return sorted(r.point for r in self.rows if (r.market, r.outcome) == (market, outcome) and r.point is not None)

    def main_point(self, market: str, outcome: str) -> Decimal | None:
        """The point most books quote for the outcome (the smallest one of those)."""
        rows = [r for r in self.rows if (r.market, r.outcome) == (market, outcome) and r.point is not None]
        if not rows:
            return None
        return min(rows, key=lambda r: (-self._books(r), abs(r.point or 0), r.point)).point

    def quoted(self, row: PriceRow | None) -> list[tuple[Bookmaker, Decimal]]:
        """The books that quote a selection and their prices, best first: never a market best or average."""
        if row is None:
            return []
        books = [(b, row.prices[b.key].price) for b in self.bookmakers if b.key in row.prices and not b.is_aggregate]
        return sorted(books, key=lambda pair: (-pair[1], pair[0].title))

    def line(self, market: str, line: Decimal) -> tuple[dict[int, dict[str, valuation.Observation]], set[int]]:
        """A market line's prices as ``valuation`` reads them (by bookmaker id and outcome), and the
        books among them that are a market best or average."""
        books = {b.key: b for b in self.bookmakers}
        prices: dict[int, dict[str, valuation.Observation]] = {}
        for row in self.rows:
            if row.market != market or row.line != line:
                continue
            for key, quote in row.prices.items():
                observation = valuation.Observation(float(quote.price), quote.observed_at.timestamp())
                prices.setdefault(books[key].pk, {})[row.outcome] = observation
        return prices, {b.pk for b in self.bookmakers if b.is_aggregate}

    def _books(self, row: PriceRow) -> int:
        return len(self.quoted(row))


def refill(selected: Selected, prices: EventPrices, changed: str) -> Selected:
    """The slip after the bettor changed one of its choices (``changed``, one of ``PICKS``, or
    "event" for a slip just opened): a line, bookmaker and price of the event's stored prices wherever
    the change leaves one to choose, what the bettor typed everywhere else. A bookmaker chosen brings
    its stored price; a selection chosen keeps the bookmaker if it quotes it, else takes the best."""
    event = prices.event
    market = selected.market if selected.market in MARKET_KEYS else None
    if market is None:
        market = next(iter(prices.markets()), H2H)
    outcomes = outcomes_of(market, event.home_team, event.away_team)
    outcome = selected.outcome
    if not outcome or (changed == "market" and outcome not in outcomes):
        quoted = [o for o in outcomes if any((r.market, r.outcome) == (market, o) for r in prices.rows)]
        outcome = (quoted or outcomes)[0]
    point = selected.point
    if market == H2H:
        point = None
    elif changed == "event":
        point = prices.main_point(market, outcome) if point is None else point
    elif changed in ("market", "outcome"):
        stored = prices.points(market, outcome)
        if point is not None and point not in stored and market == SPREADS and -point in stored:
            point = -point  # the same line from the other side: Arsenal -0.5 is Chelsea +0.5
        elif point not in stored:
            point = prices.main_point(market, outcome)
    row = prices.row(market, outcome, point)
    bookmaker, price = selected.bookmaker, selected.price
    books = [book.key for book, _ in prices.quoted(row)]
    if books and changed != "bookmaker" and bookmaker not in books and (changed != "event" or not bookmaker):
        bookmaker = books[0]
    if row is not None and bookmaker in books and (changed != "event" or price is None):
        price = row.prices[bookmaker].price
    title = next((b.title for b in prices.bookmakers if b.key == bookmaker), selected.bookmaker_title)
    return replace(
        selected, market=market, outcome=outcome, point=point, bookmaker=bookmaker, price=price, bookmaker_title=title
    )


@dataclass(frozen=True)
class SlipValue:
    """What the slip shows of a price: its fair price, edge and Kelly stake by ``reference``'s rules on
    the bankroll now, what is already staked on the selection, and what the stake wins. ``note`` says
    why a figure is missing."""

    reference: Reference | None = None
    bankroll: Decimal | None = None  # read only for a Kelly stake
    fair_probability: float | None = None
    fair_price: Decimal | None = None
    edge: Decimal | None = None
    kelly_share: Decimal | None = None
    kelly_stake: Decimal | None = None
    already_staked: Decimal = ZERO
    available: Decimal | None = None  # the Kelly stake less what is already staked, capped by the book
    capped_by: str = ""  # the book's limit or balance, when it caps the stake
    to_win: Decimal | None = None
    note: str = ""

    @property
    def kelly_left(self) -> Decimal | None:
        """The Kelly stake less what is already staked on the selection, never below 0."""
        return None if self.kelly_stake is None else max(self.kelly_stake - self.already_staked, ZERO)

    @property
    def remaining_stake(self) -> Decimal | None:
        """The stake available, rounded down as the bettor rounds stakes: what "Use" fills in."""
        return None if self.available is None else rounded_stake(self.available, active().stake_rounding)


def value(selected: Selected, prices: EventPrices | None, reference: Reference | None, *, now: datetime) -> SlipValue:
    """The slip's figures (without an event, none and no query): what pending bets stake on the
    selection (one query), and for a Kelly stake the bankroll (two) and the book's balance (one)."""
    worth = SlipValue(reference)
    if selected.price is not None and selected.stake is not None:
        worth = replace(worth, to_win=(selected.stake * (selected.price - 1)).quantize(ZERO))
    event = selected.event
    if event is None or prices is None or reference is None:
        return replace(worth, note="Choose an event to see the fair price.")
    market, outcome = selected.market, selected.outcome
    if market not in MARKET_KEYS or not outcome:
        return replace(worth, note="Choose the market and outcome to see the fair price.")
    if market != H2H and selected.point is None:
        return replace(worth, note=f"Give the {'handicap' if market == SPREADS else 'total'} to see the fair price.")
    worth = replace(worth, already_staked=_already_staked(selected))
    if event.commence_time <= now:
        return replace(worth, note="The event has started: no fair price now.")
    line = line_of(market, outcome, selected.point or Decimal(0), event.home_team)
    quotes, aggregates = prices.line(market, line)
    outcomes = {o for book in quotes.values() for o in book}
    rules = reference.rules
    fair = valuation.fair_line(
        quotes, rules, outcomes=outcomes, aggregates=aggregates, sport=event.sport_id, market=market
    )
    if fair.probabilities is None:
        return replace(worth, note=f"No fair price: {why_unpriced(fair, rules)}.")
    probability = fair.probabilities.get(outcome)
    if probability is None or probability <= 0:
        return replace(worth, note=f"No fair price: no book quotes {outcome} on this line.")
    worth = replace(
        worth,
        fair_probability=probability,
        fair_price=_round(pricing.fair_price(probability), PRICE),
        note=fair.note,
    )
    if selected.price is None:
        return replace(worth, note="Give the price to see its edge.")
    book = _book(selected.bookmaker, prices)
    # An exchange's price is valued net of its commission, as detection values it.
    paid = pricing.net_price(selected.price, book.commission) if book is not None else selected.price
    edge, share = valuation.price_value(float(paid), probability, rules)
    bankroll_now = bankroll().now
    kelly_share, stake = suggested_stake(share, bankroll_now)
    worth = replace(
        worth, edge=_round(edge, FRACTION), kelly_share=kelly_share, kelly_stake=stake, bankroll=bankroll_now
    )
    available, capped_by = _capped(worth.kelly_left or ZERO, book)
    return replace(worth, available=available, capped_by=capped_by)


def _book(key: str | None, prices: EventPrices) -> Bookmaker | None:
    if not key:
        return None
    found = next((book for book in prices.bookmakers if book.key == key), None)
    return found or Bookmaker.objects.filter(key=key).first()


def _capped(stake: Decimal, book: Bookmaker | None) -> tuple[Decimal, str]:
    """A stake at most the book's limit and what it holds (where a balance is recorded), as the
    opportunities page caps it (``opportunities.selectors.opportunities``), and what capped it: one query."""
    if book is None:
        return stake, ""
    caps = [(stake, "")]
    if book.max_stake is not None:
        caps.append((book.max_stake, f"{book.title}'s limit"))
    account = book_balance(book.pk)
    if account.recorded:
        caps.append((max(account.balance, ZERO), f"held at {book.title}"))
    return min(caps, key=lambda cap: cap[0])


def _already_staked(selected: Selected) -> Decimal:
    """Pending stakes on the selection at any bookmaker, as the opportunities page counts them."""
    point = Decimal(0) if selected.market == H2H else selected.point
    if point is None:
        return ZERO
    staked: Decimal = (
        Bet.objects.pending()
        .filter(
            selection__event=selected.event,
            selection__market=selected.market,
            selection__outcome=selected.outcome,
            selection__point=point,
        )
        .aggregate(total=Coalesce(Sum("stake"), ZERO))["total"]
    )
    return staked


def _round(number: float, step: Decimal) -> Decimal:
    return Decimal(repr(number)).quantize(step, ROUND_HALF_UP)
