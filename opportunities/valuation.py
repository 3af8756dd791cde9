"""A strategy's rules applied to one market line: the fair probabilities, where they come from, and
the prices that beat them. Detection, the backtest and closing-line CLV all value a line here.

No Django here, like ``pricing``: plain floats and mappings. A line's prices come as
``{bookmaker id: {outcome: price}}``, where a price is anything with a float ``price`` (detection's
current quotes, or an ``Observation`` from history), so callers pass what they read as it is.

The fair probabilities are the reference book's devigged prices, or (without a reference) the
average of every complete book's devigged prices, renormalised: ``p_i = mean_b(p_bi) / sum_j
mean_b(p_bj)``, over at least ``min_books`` books. A candidate is a bookmaker's price with
``edge = price * p - 1`` at least ``min_edge``, within the price range, at a book the strategy
bets at; its stake is the fractional Kelly share, capped.

The exchange midpoint (``MIDPOINT``, a strategy's ``fair_basis``) prices a line from the exchanges'
own books instead: each outcome's price halfway between its best back price and its best lay price
(the highest back and the lowest lay over the exchanges, or of the reference exchange alone), then
devigged by the rules' method: ``m_i = (back_i + lay_i) / 2``, ``p = devig(m)``. Lay prices come in
their own mapping (``lay``), never among the back prices.

An exchange's back price pays less than it says: its commission ``c`` is taken from net winnings, so
a candidate's edge and Kelly stake are those of its net price ``1 + (price - 1)(1 - c)``
(``pricing.net_price``), from the rules' ``commissions``; the fair probabilities come from the prices
as quoted (a commission is the bettor's cost, not the market's opinion). ``suggested_stake`` caps a
stake at what an exchange has available at the price.

A strategy's method may be BEST: then each line is devigged by the method that scored best on
stored results for its sport and market (``manage.py calibrate``, read once into the rules by
``from_strategy``), or by the multiplicative method where none is stored, and ``Fair.note`` says which.

A closing line (``closing_line``) is valued from the books that quoted every outcome of the line
within ``CLOSING_MAX_AGE`` before kick-off (last seen, changed or not), by the rules' method and by
every other one: the CLV of a bet and of a backtest bet.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from opportunities import pricing

if TYPE_CHECKING:
    from opportunities.models import Strategy

REFERENCE, CONSENSUS, MIDPOINT_BASIS = "reference", "consensus", "midpoint"  # a Fair's basis
BOOK, MIDPOINT = "book", "exchange_midpoint"  # a strategy's fair basis: a book (or the consensus), the midpoint
CENT = Decimal("0.01")
ALL_MARKETS = frozenset({"h2h", "spreads", "totals"})
BEST = "best"  # a strategy's method: the best-scoring one of the line's sport and market (``manage.py calibrate``)
BEST_FALLBACK = "multiplicative"  # where no calibration is stored


class Priced(Protocol):
    @property
    def price(self) -> float: ...


@dataclass(frozen=True, slots=True)
class BookTerms:
    """What valuation needs to know of the bookmakers: each one's commission (those that charge one)
    and which are exchanges (whose back and lay prices make a midpoint)."""

    commissions: Mapping[int, float] = field(default_factory=dict)
    exchanges: frozenset[int] = frozenset()

    @classmethod
    def stored(cls) -> BookTerms:
        """The stored bookmakers' terms: one query (pass them to ``from_strategy`` for many strategies)."""
        from django.db.models import Q

        from odds.models import Bookmaker

        rows = Bookmaker.objects.filter(Q(commission__gt=0) | Q(is_exchange=True)).values_list(
            "pk", "commission", "is_exchange"
        )
        commissions, exchanges = {}, set()
        for pk, commission, is_exchange in rows:
            if commission:
                commissions[pk] = float(commission)
            if is_exchange:
                exchanges.add(pk)
        return cls(commissions, frozenset(exchanges))


class Observation(NamedTuple):
    """A price as observed: for callers that read prices from history rather than as quotes."""

    price: float
    observed_epoch: float  # Unix time of the observation


@dataclass(frozen=True, slots=True)
class StrategyRules:
    """What a strategy counts as value, as a plain value (``from_strategy`` reads a saved one)."""

    method: str = "shin"
    reference: int | None = None  # the bookmaker whose line is the truth; None: the consensus
    reference_name: str = ""  # its key, for messages
    min_books: int = 3  # consensus: the fewest complete books
    min_edge: float = 0.02
    min_price: float = 1.2
    max_price: float = 15.0
    markets: frozenset[str] = ALL_MARKETS
    sports: frozenset[int] = frozenset()  # none: every sport
    bookmakers: frozenset[int] = frozenset()  # the books it bets at; none: every book
    kelly_fraction: float = 0.25
    max_stake_share: float | None = 0.05  # None: no cap
    min_minutes_before_kickoff: int = 5
    max_price_age_minutes: int = 180
    name: str = ""
    # With ``method`` BEST: the calibrated method of each (sport id, market), and where it comes from.
    best_methods: Mapping[tuple[int, str], tuple[str, str]] = field(default_factory=dict)
    basis: str = BOOK  # or MIDPOINT: the exchanges' back/lay midpoint
    commissions: Mapping[int, float] = field(default_factory=dict)  # bookmaker id: share of net winnings
    exchanges: frozenset[int] = frozenset()  # the books whose back and lay prices make a midpoint

    @classmethod
    def from_strategy(cls, strategy: Strategy, *, terms: BookTerms | None = None) -> StrategyRules:
        """The rules of a saved strategy (its sports and bookmakers are read: prefetch them for many),
        with the bookmakers' ``terms`` (``BookTerms.stored()``): their commissions, so that candidates
        are valued net of them, and the exchanges a midpoint is made of. Without them prices are
        valued as quoted: what a caller that nets prices itself wants (the backtest, by each account)."""
        terms = BookTerms() if terms is None else terms
        reference = strategy.reference_bookmaker if strategy.reference_bookmaker_id else None
        best: Mapping[tuple[int, str], tuple[str, str]] = {}
        if strategy.devig_method == BEST:
            from stats.models import Calibration

            best = Calibration.objects.best_methods(reference=strategy.reference_bookmaker_id)
        return cls(
            method=strategy.devig_method,
            reference=strategy.reference_bookmaker_id,
            reference_name=reference.key if reference else "",
            min_books=strategy.min_books,
            min_edge=float(strategy.min_edge),
            min_price=float(strategy.min_price),
            max_price=float(strategy.max_price),
            markets=frozenset(strategy.market_list),
            sports=frozenset(s.pk for s in strategy.sports.all()),
            bookmakers=frozenset(b.pk for b in strategy.bookmakers.all()),
            kelly_fraction=float(strategy.kelly_fraction),
            max_stake_share=float(strategy.max_stake_share),
            min_minutes_before_kickoff=strategy.min_minutes_before_kickoff,
            max_price_age_minutes=strategy.max_price_age_minutes,
            name=strategy.name,
            best_methods=best,
            basis=strategy.fair_basis or BOOK,
            commissions=terms.commissions,
            exchanges=terms.exchanges,
        )

    def net_price(self, bookmaker: int, price: float) -> float:
        """What a back bet at ``price`` pays per unit at this bookmaker, after its commission."""
        commission = self.commissions.get(bookmaker)
        return pricing.net_price(price, commission) if commission else price

    def method_for(self, sport: int | None, market: str | None) -> tuple[str, str]:
        """The devig method of a line of this sport and market, and a note saying where a BEST method
        comes from (or that none is calibrated, and the fallback is used)."""
        if self.method != BEST:
            return self.method, ""
        found = None if sport is None or market is None else self.best_methods.get((sport, market))
        if found is None:
            return BEST_FALLBACK, f"no calibration stored for this sport and {market}: {BEST_FALLBACK}"
        return found


@dataclass(frozen=True, slots=True)
class Fair:
    """A line's fair probabilities and their provenance: the basis (reference book or consensus), the
    devig method and the prices used, by bookmaker. ``probabilities`` is None when the rules cannot
    price the line; ``error`` then holds the devig error of a reference line, if that was why."""

    probabilities: dict[str, float] | None
    basis: str
    method: str
    used: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    error: str = ""
    note: str = ""  # how a strategy's BEST method was resolved

    def __bool__(self) -> bool:
        return self.probabilities is not None


class Candidate(NamedTuple):
    """A price that beats the fair price by the edge the rules want; its edge and Kelly share are
    those of its price net of the bookmaker's commission (``net_price``, the quoted one elsewhere)."""

    bookmaker: int
    outcome: str
    quote: Any  # the price as it was given
    fair_probability: float
    edge: float
    kelly_share: float
    net_price: float = math.nan  # NaN: not given (the quote's own price, net of nothing)


def fair_line(
    prices: Mapping[int, Mapping[str, Priced]],
    rules: StrategyRules,
    *,
    outcomes: Collection[str] | None = None,
    aggregates: Collection[int] = (),
    sport: int | None = None,
    market: str | None = None,
    lay: Mapping[int, Mapping[str, Priced]] | None = None,
) -> Fair:
    """The fair probability of each outcome of the line by ``rules``. ``outcomes`` is every outcome
    quoted on the line (by default those in ``prices``); a book is complete when it quotes them all.
    ``aggregates`` (a market best or average) never price a line. ``sport`` and ``market`` choose a
    BEST method (``StrategyRules.method_for``). ``lay``: the exchanges' lay prices of the line, by
    bookmaker and outcome, which the midpoint basis reads."""
    if rules.method == BEST:
        method, note = rules.method_for(sport, market)
        fair = fair_line(prices, replace(rules, method=method), outcomes=outcomes, aggregates=aggregates, lay=lay)
        return replace(fair, note=note)
    names = sorted(outcomes if outcomes is not None else {o for quotes in prices.values() for o in quotes})
    method = rules.method
    if rules.basis == MIDPOINT:
        return midpoint_line(prices, lay or {}, rules, outcomes=names)
    if rules.reference is not None:
        quotes = prices.get(rules.reference)
        if len(names) < 2 or not quotes or len(quotes) != len(names) or rules.reference in aggregates:
            return Fair(None, REFERENCE, method)
        try:
            probabilities = pricing.devig([quotes[o].price for o in names], method)
        except pricing.InvalidOdds as exc:
            return Fair(None, REFERENCE, method, {rules.reference: quotes}, str(exc))
        return Fair(dict(zip(names, probabilities, strict=True)), REFERENCE, method, {rules.reference: quotes})
    used: dict[int, Mapping[str, Any]] = {}
    books = []
    if len(names) >= 2:
        for book in sorted(prices):  # in one order, so every caller sums the same floats
            quotes = prices[book]
            if len(quotes) != len(names) or book in aggregates:
                continue
            try:
                books.append(pricing.devig([quotes[o].price for o in names], method))
            except pricing.InvalidOdds:
                continue  # one book's unusable line leaves the others to agree
            used[book] = quotes
    if not books or len(books) < rules.min_books:
        return Fair(None, CONSENSUS, method, used)
    averaged = [sum(book[i] for book in books) / len(books) for i in range(len(names))]
    total = sum(averaged)
    return Fair({o: p / total for o, p in zip(names, averaged, strict=True)}, CONSENSUS, method, used)


def midpoint_line(
    back: Mapping[int, Mapping[str, Priced]],
    lay: Mapping[int, Mapping[str, Priced]],
    rules: StrategyRules,
    *,
    outcomes: Collection[str],
) -> Fair:
    """The exchange midpoint of a line: each outcome halfway between the best back price (the highest)
    and the best lay price (the lowest) of the exchanges (the reference alone, when the rules name
    one), devigged by the rules' method. None when an outcome lacks either price. ``used`` holds the
    back prices of the books that gave a best back price."""
    names = sorted(outcomes)
    method = rules.method
    books = {rules.reference} if rules.reference is not None else rules.exchanges
    used: dict[int, Mapping[str, Any]] = {}
    midpoints = []
    for outcome in names:
        backs = [(quotes[outcome].price, book) for book in books if outcome in (quotes := back.get(book, {}))]
        lays = [quotes[outcome].price for book in books if outcome in (quotes := lay.get(book, {}))]
        if not backs or not lays:
            return Fair(None, MIDPOINT_BASIS, method, used)
        best_back, book = max(backs, key=lambda found: (found[0], -found[1]))
        used[book] = back[book]
        midpoints.append((best_back + min(lays)) / 2)
    if len(names) < 2:
        return Fair(None, MIDPOINT_BASIS, method, used)
    try:
        probabilities = pricing.devig(midpoints, method)
    except pricing.InvalidOdds as exc:
        return Fair(None, MIDPOINT_BASIS, method, used, str(exc))
    return Fair(dict(zip(names, probabilities, strict=True)), MIDPOINT_BASIS, method, used)


def suggested_stake(bankroll: Decimal, kelly_share: Decimal, *, available: Decimal | None = None) -> Decimal:
    """The stake of a Kelly share of the bankroll, to the cent, at most what the exchange has
    ``available`` at the price (None: not known, no cap), rounded down: never more than is on offer."""
    stake = (max(bankroll, Decimal(0)) * kelly_share).quantize(CENT)
    return stake if available is None else min(stake, available.quantize(CENT, ROUND_DOWN))


def lowest_prices(fair: Fair, rules: StrategyRules) -> dict[str, float]:
    """The lowest price of each outcome with the edge wanted (``edge = price * p - 1``), just under it
    so that rounding cannot drop a price whose edge is exactly the minimum: the edge itself decides.
    A price net of a commission is lower than quoted: no quoted price below this has the edge."""
    lowest = {}
    for outcome, probability in (fair.probabilities or {}).items():
        if probability <= 0:  # every price has the edge -1
            lowest[outcome] = rules.min_price if rules.min_edge <= -1 else math.inf
        else:
            lowest[outcome] = max(rules.min_price, (1.0 + rules.min_edge) / probability * (1 - 1e-9))
    return lowest


def candidates(
    prices: Mapping[int, Mapping[str, Priced]],
    fair: Fair,
    rules: StrategyRules,
    *,
    aggregates: Collection[int] = (),
    best: Mapping[str, Priced] | None = None,
    lowest: Mapping[str, float] | None = None,
) -> list[Candidate]:
    """The prices of the line that beat ``fair`` by the rules, in the order of ``prices``. ``best``
    (the line's highest price per outcome) and ``lowest`` (``lowest_prices``) only save work: no
    price of an outcome reaches its lowest price when the best one does not."""
    probabilities = fair.probabilities
    if probabilities is None:  # the rules cannot price the line
        return []
    lowest = lowest_prices(fair, rules) if lowest is None else lowest
    reachable = [(o, low) for o, low in lowest.items() if best is None or (o in best and best[o].price >= low)]
    if not reachable:
        return []
    reference, allowed, max_price, min_edge = rules.reference, rules.bookmakers, rules.max_price, rules.min_edge
    fraction, cap = rules.kelly_fraction, rules.max_stake_share
    found = []
    for book, quotes in prices.items():
        if book == reference or book in aggregates or (allowed and book not in allowed):
            continue
        for outcome, low in reachable:
            quote = quotes.get(outcome)
            if quote is None or quote.price < low or quote.price > max_price:
                continue
            probability = probabilities[outcome]
            net = rules.net_price(book, quote.price)
            value = pricing.edge(net, probability)
            if value >= min_edge:
                share = pricing.kelly(net, probability, fraction, cap=cap)
                found.append(Candidate(book, outcome, quote, probability, value, share, net))
    return found


def price_edges(
    prices: Mapping[int, Mapping[str, Priced]], fair: Fair, rules: StrategyRules | None = None
) -> dict[int, dict[str, float]]:
    """The edge of every price of the line over ``fair`` (``edge = net price * p - 1``, net of the
    ``rules``' commissions), by bookmaker and outcome, whatever the rules' minimum: what an odds screen
    shows beside each price. None of them when the line has no fair price."""
    probabilities = fair.probabilities
    if probabilities is None:
        return {}
    net = rules.net_price if rules is not None else lambda _, price: price
    return {
        book: {o: pricing.edge(net(book, q.price), probabilities[o]) for o, q in quotes.items() if o in probabilities}
        for book, quotes in prices.items()
    }


def price_value(price: float, probability: float, rules: StrategyRules) -> tuple[float, float]:
    """One price against its outcome's fair probability, whatever the rules' minimum edge and price
    range: its edge (``price * p - 1``) and the share of bankroll the rules stake on it (fractional
    Kelly, capped, as ``candidates`` stakes a price with the edge wanted): the bet slip's figures."""
    share = pricing.kelly(price, probability, rules.kelly_fraction, cap=rules.max_stake_share)
    return pricing.edge(price, probability), share


def margins(prices: Mapping[int, Mapping[str, Priced]], *, outcomes: Collection[str]) -> dict[int, float]:
    """Each complete book's margin on the line (``sum(1 / o_i) - 1``, ``pricing.margin``): a book is
    complete when it quotes every one of ``outcomes``, as ``fair_line`` counts it."""
    names = sorted(outcomes)
    found: dict[int, float] = {}
    if len(names) < 2:
        return found
    for book, quotes in prices.items():
        if len(quotes) != len(names) or any(o not in quotes for o in names):
            continue
        try:
            found[book] = pricing.margin([quotes[o].price for o in names])
        except pricing.InvalidOdds:
            continue  # a price no method can read has no margin to show
    return found


def value_line(
    prices: Mapping[int, Mapping[str, Priced]],
    rules: StrategyRules,
    *,
    outcomes: Collection[str] | None = None,
    aggregates: Collection[int] = (),
    sport: int | None = None,
    market: str | None = None,
    lay: Mapping[int, Mapping[str, Priced]] | None = None,
) -> tuple[Fair, list[Candidate]]:
    """A line valued whole: its fair probabilities with their provenance, and its candidates."""
    fair = fair_line(prices, rules, outcomes=outcomes, aggregates=aggregates, sport=sport, market=market, lay=lay)
    return fair, candidates(prices, fair, rules, aggregates=aggregates)


def fair_by_method(quotes: Mapping[str, Priced], *, outcomes: Collection[str]) -> dict[str, Fair]:
    """One book's line devigged by every method of ``pricing.METHODS``, as a strategy with that book
    for reference would price it: ``manage.py calibrate`` scores each method on these."""
    book = 0  # any id: the line has one book
    return {
        method: fair_line({book: quotes}, StrategyRules(method=method, reference=book), outcomes=outcomes)
        for method in pricing.METHODS
    }


class Sighted(NamedTuple):
    """A closing price and when it was last quoted at or before kick-off (Unix time)."""

    price: float
    seen_epoch: float


@dataclass(frozen=True, slots=True)
class ClosingFair:
    """A line's closing fair probabilities: ``fair`` by the rules' method and ``by_method`` by each of
    ``pricing.METHODS``, from the fresh books only; ``stale`` the books that quoted the line but not
    all of it within the maximum age, with the age in seconds at kick-off of their oldest outcome."""

    fair: Fair
    by_method: dict[str, Fair]
    stale: dict[int, float]


def closing_line(
    prices: Mapping[int, Mapping[str, Sighted]],
    rules: StrategyRules,
    *,
    kickoff_epoch: float,
    max_age_seconds: float,
    outcomes: Collection[str] | None = None,
    sport: int | None = None,
    market: str | None = None,
    lay: Mapping[int, Mapping[str, Sighted]] | None = None,
) -> ClosingFair:
    """The closing line by ``rules``: a book counts only when each outcome it quotes was last seen
    at most ``max_age_seconds`` before kick-off; the rest is ``fair_line`` on those books (``sport``
    and ``market`` choose a BEST method). ``lay``: the exchanges' closing lay prices, held to the
    same age, for the midpoint basis."""
    fresh, stale = _fresh(prices, kickoff_epoch, max_age_seconds)
    fresh_lay, stale_lay = _fresh(lay or {}, kickoff_epoch, max_age_seconds)
    for book, age in stale_lay.items():
        stale[book] = max(age, stale.get(book, age))
    fair = fair_line(fresh, rules, outcomes=outcomes, sport=sport, market=market, lay=fresh_lay)
    by_method = {
        method: fair
        if method == fair.method
        else fair_line(fresh, replace(rules, method=method), outcomes=outcomes, lay=fresh_lay)
        for method in pricing.METHODS
    }
    return ClosingFair(fair, by_method, stale)


def _fresh(
    prices: Mapping[int, Mapping[str, Sighted]], kickoff_epoch: float, max_age_seconds: float
) -> tuple[dict[int, Mapping[str, Sighted]], dict[int, float]]:
    """The books whose every quote was last seen within the age, and the others with their oldest age."""
    fresh: dict[int, Mapping[str, Sighted]] = {}
    stale: dict[int, float] = {}
    for book, quotes in prices.items():
        if not quotes:
            continue
        age = max(kickoff_epoch - quote.seen_epoch for quote in quotes.values())
        if age <= max_age_seconds:
            fresh[book] = quotes
        else:
            stale[book] = age
    return fresh, stale
