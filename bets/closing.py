"""The closing line of a bet: the bookmaker's price in force at kick-off, and the fair probability
that the strategy's rules (a sharp book, or the consensus) give the bet's line at that moment, by
``valuation.closing_line`` as the backtest values a close, under the strategy's method and every other.

A close counts only when the reference (each book, for a consensus) quoted every outcome of the
bet's own line at most ``CLOSING_MAX_AGE`` minutes before kick-off: last seen by a collection or an
import, changed or not (``odds.store.closing_quote``). Otherwise the bet has no CLV, and the note
says why: the reference moved the line (its close on the other line is kept beside, never as the
CLV), or its last price was too old, or it had none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings

from odds import store
from odds.models import LAY_MARKETS, SPREADS, Event, Selection
from odds.selectors import history_lead, history_window
from opportunities import pricing, valuation
from opportunities.valuation import Sighted, StrategyRules

if TYPE_CHECKING:
    from bets.models import Bet
    from opportunities.models import Strategy

LAYS = {back: lay for lay, back in LAY_MARKETS.items()}  # a back market: the lay market of its prices
PROBABILITY = Decimal("0.000001")
PRICE = Decimal("0.001")
# The column of each devig method's CLV on a bet, in ``pricing.METHODS`` order.
CLV_FIELDS = {method: f"clv_{method}" for method in pricing.METHODS}


@dataclass(frozen=True)
class ClosingLine:
    """The bet's bookmaker's closing price, and the closing fair probability of the bet's outcome by
    the strategy's method (None: no CLV, ``note`` says why) with its provenance: the reference book
    (None for a consensus), when it last quoted the line by kick-off and how long before kick-off,
    the line's point for the bet's outcome (for a line moved, where the reference closed instead),
    the method, the fair probability under every method, and what the bet's page shows of it."""

    price: Decimal | None
    fair_probability: Decimal | None
    note: str = ""
    reference: int | None = None
    seen_at: datetime | None = None
    age: timedelta | None = None
    point: Decimal | None = None
    method: str = ""
    by_method: dict[str, Decimal] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


def clv_by_method(bet: Bet) -> dict[str, Decimal | None]:
    """A bet's CLV under each devig method, in ``pricing.METHODS`` order."""
    return {method: getattr(bet, name) for method, name in CLV_FIELDS.items()}


def _strategy(bet: Bet) -> Strategy:
    from opportunities.models import Strategy

    if bet.strategy is not None:  # no query without a strategy_id
        return bet.strategy
    return Strategy.objects.filter(active=True).select_related("reference_bookmaker").order_by(
        "pk"
    ).first() or Strategy(name="consensus", devig_method="multiplicative", min_books=1)


def _rules(bet: Bet) -> StrategyRules:
    strategy = _strategy(bet)
    if strategy._state.adding:  # the fallback, never saved: no sports or bookmakers to read
        return StrategyRules(method=strategy.devig_method, min_books=strategy.min_books, name=strategy.name)
    # A fair price needs no commission; a midpoint needs to know the exchanges.
    terms = valuation.BookTerms.stored() if strategy.fair_basis == valuation.MIDPOINT else None
    return StrategyRules.from_strategy(strategy, terms=terms)


def max_age() -> timedelta:
    """How long before kick-off a closing price may last have been quoted (``CLOSING_MAX_AGE``)."""
    return timedelta(minutes=settings.CLOSING_MAX_AGE)


@dataclass
class _Line:
    """One line of the bet's market at kick-off: each outcome's selection, and each book's closes."""

    selections: dict[str, Selection] = field(default_factory=dict)
    closes: dict[int, dict[str, store.Close]] = field(default_factory=lambda: defaultdict(dict))
    lay: dict[int, dict[str, store.Close]] = field(default_factory=dict)  # an exchange midpoint's lay closes

    def sighted(self, lay: bool = False) -> dict[int, dict[str, Sighted]]:
        return {
            book: {o: Sighted(c.price, c.seen_at.timestamp()) for o, c in quotes.items()}
            for book, quotes in (self.lay if lay else self.closes).items()
        }


def _market_lines(event: Event, market: str) -> tuple[dict[int, Selection], dict[Decimal, _Line]]:
    """Three queries: the market's selections, the last price of each (selection, book) before
    kick-off, and when each was last seen; by line.

    The history scan starts where the event's history window does (``ODDS_HISTORY_LEAD_DAYS`` before
    kick-off), so TimescaleDB reads only the chunks of that range; a price last changed before it is
    not read."""
    kickoff = event.commence_time
    selections = {s.pk: s for s in Selection.objects.filter(event=event, market=market)}
    lines: dict[Decimal, _Line] = defaultdict(_Line)
    for s in selections.values():
        lines[s.line].selections[s.outcome] = s
    start, _ = history_window(kickoff)
    in_force = {}
    for row in store.prices_in_force(selection_ids=selections, at=kickoff, since=start):
        s = selections[row.selection_id]
        in_force[(event.pk, s.market, s.line, s.outcome, row.bookmaker_id)] = (float(row.price), row.observed_at)
    sightings = store.kickoff_sightings(event_ids=[event.pk], markets=[market])
    closes = store.closes(in_force=in_force, sightings=sightings, kickoffs={event.pk: kickoff}, lead=history_lead())
    for (_, _, line, outcome, book), close in closes.items():
        lines[line].closes[book][outcome] = close
    return selections, lines


def closing_line(bet: Bet) -> ClosingLine:
    """Four queries (and the strategy's): the market's lines at kick-off (``_market_lines``) and the
    bookmakers named; three more for an exchange-midpoint strategy, the lay lines beside."""
    event, kickoff = bet.event, bet.event.commence_time
    selections, lines = _market_lines(event, bet.market)
    own_line = selections[bet.selection_id].line
    own = lines[own_line]
    bet_close = own.closes.get(bet.bookmaker_id, {}).get(bet.outcome)
    price = None if bet_close is None else Decimal(repr(bet_close.price)).quantize(PRICE)
    note = "" if price is not None else f"no {bet.bookmaker.key} price for this selection before kick-off"
    rules = _rules(bet)
    limit = max_age()
    if rules.basis == valuation.MIDPOINT and bet.market in LAYS:
        _, lay_lines = _market_lines(event, LAYS[bet.market])
        for line_key, line in lines.items():
            line.lay = lay_lines[line_key].closes if line_key in lay_lines else {}
    value = _value(own, rules, kickoff, limit, sport=event.sport_id, market=bet.market)
    fair = value.fair
    names = _book_names(lines.values())
    provenance = {
        "kickoff": kickoff.isoformat(),
        "max_age_minutes": settings.CLOSING_MAX_AGE,
        "basis": fair.basis,
        "method": fair.method,
        "point": _plain_point(bet.point),
        "books": _books(own, value, rules, kickoff, names),
    }
    if fair.probabilities is None:
        why, moved = _why_not(bet, own_line, value, lines, rules, kickoff, limit)
        if moved is not None:
            point, other, other_value = moved
            provenance["moved_to"] = {
                "point": _plain_point(point),
                "books": _books(other, other_value, rules, kickoff, names),
                "fair": _fair_by_method(other_value),
            }
        return ClosingLine(
            price,
            None,
            _join(note, why),
            reference=rules.reference if fair.basis == valuation.REFERENCE else None,
            point=None if moved is None else moved[0],
            method=fair.method,
            provenance=provenance,
        )
    provenance["fair"] = _fair_by_method(value)
    seen_at = min(c.seen_at for book in fair.used for c in own.closes[book].values())
    by_method = {
        m: _probability(probabilities[bet.outcome])
        for m, f in value.by_method.items()
        if (probabilities := f.probabilities) is not None
    }
    return ClosingLine(
        price,
        by_method[fair.method] if fair.method in by_method else _probability(fair.probabilities[bet.outcome]),
        note,
        reference=rules.reference if fair.basis == valuation.REFERENCE else None,
        seen_at=seen_at,
        age=kickoff - seen_at,
        point=bet.point,
        method=fair.method,
        by_method=by_method,
        provenance=provenance,
    )


def _value(
    line: _Line, rules: StrategyRules, kickoff: datetime, limit: timedelta, *, sport: int, market: str
) -> valuation.ClosingFair:
    # Every outcome the line has, quoted or not: a book is complete only when it quotes them all.
    return valuation.closing_line(
        line.sighted(),
        rules,
        kickoff_epoch=kickoff.timestamp(),
        max_age_seconds=limit.total_seconds(),
        outcomes=set(line.selections),
        sport=sport,
        market=market,
        lay=line.sighted(lay=True) if line.lay else None,
    )


def _probability(probability: float) -> Decimal:
    # Rounded as detection stores an opportunity's fair probability.
    return Decimal(repr(probability)).quantize(PROBABILITY, ROUND_HALF_UP)


def _why_not(
    bet: Bet,
    own_line: Decimal,
    value: valuation.ClosingFair,
    lines: dict[Decimal, _Line],
    rules: StrategyRules,
    kickoff: datetime,
    limit: timedelta,
) -> tuple[str, tuple[Decimal, _Line, valuation.ClosingFair] | None]:
    """Why the bet's line has no close, and where the reference closed instead if it moved the line."""
    fair = value.fair
    if fair.basis == valuation.MIDPOINT_BASIS:
        minutes = settings.CLOSING_MAX_AGE
        return f"no exchange quoted a back and a lay price of every outcome within {minutes} min of kick-off", None
    if fair.basis != valuation.REFERENCE:
        late = f" ({len(value.stale)} more quoted it earlier)" if value.stale else ""
        books = f"{len(fair.used)} bookmaker{'' if len(fair.used) == 1 else 's'}"
        minutes = settings.CLOSING_MAX_AGE
        return f"only {books} quoted this line within {minutes} min of kick-off{late}, {rules.min_books} needed", None
    quoted = rules.reference in lines[own_line].closes and rules.reference not in value.stale
    if fair.error and quoted:
        return f"closing prices cannot be devigged: {fair.error}", None
    moved = None if quoted else _moved_to(bet, own_line, lines, rules, kickoff, limit)
    if moved is not None:
        return f"line moved: the reference closed at {_shown_point(bet.market, moved[0])}", moved
    if rules.reference in value.stale:
        return f"the reference's last price was {_shown_age(value.stale[rules.reference])} before kick-off", None
    return f"no complete closing line from {rules.reference_name or 'the reference'}", None


def _moved_to(
    bet: Bet,
    own_line: Decimal,
    lines: dict[Decimal, _Line],
    rules: StrategyRules,
    kickoff: datetime,
    limit: timedelta,
) -> tuple[Decimal, _Line, valuation.ClosingFair] | None:
    """The other line of the market the reference closed on (the bet's outcome's point there); of
    several, the main one: the fair probabilities nearest to even."""
    found = []
    for line_key, line in lines.items():
        if line_key == own_line or bet.outcome not in line.selections:
            continue
        value = _value(line, rules, kickoff, limit, sport=bet.event.sport_id, market=bet.market)
        if value.fair.probabilities is not None:
            balance = max(value.fair.probabilities.values()) - min(value.fair.probabilities.values())
            found.append((balance, line_key, line, value))
    if not found:
        return None
    _, _, line, value = min(found, key=lambda item: (item[0], item[1]))
    return line.selections[bet.outcome].point, line, value


def _books(
    line: _Line, value: valuation.ClosingFair, rules: StrategyRules, kickoff: datetime, names: dict[int, str]
) -> list[dict[str, Any]]:
    """Each book's closes on the line that the basis reads (the reference's alone, or every book's):
    prices, when observed and last seen, and whether they were used or too old."""
    books = []
    for book in sorted(line.closes, key=lambda b: names.get(b, "")):
        if rules.reference is not None and book != rules.reference:
            continue
        quotes = line.closes[book]
        oldest = min(c.seen_at for c in quotes.values())
        books.append(
            {
                "bookmaker": names.get(book, str(book)),
                "used": book in value.fair.used and bool(value.fair),
                "fresh": book not in value.stale,
                "prices": {o: str(Decimal(repr(c.price)).quantize(PRICE)) for o, c in sorted(quotes.items())},
                "observed_at": {o: c.observed_at.isoformat() for o, c in sorted(quotes.items())},
                "seen_at": {o: c.seen_at.isoformat() for o, c in sorted(quotes.items())},
                "age_minutes": round((kickoff - oldest).total_seconds() / 60, 1),
            }
        )
    return books


def _fair_by_method(value: valuation.ClosingFair) -> dict[str, dict[str, str]]:
    return {
        method: {o: str(_probability(p)) for o, p in sorted(probabilities.items())}
        for method, fair in value.by_method.items()
        if (probabilities := fair.probabilities) is not None
    }


def _book_names(lines: Iterable[_Line]) -> dict[int, str]:
    from odds.models import Bookmaker

    ids = {book for line in lines for book in line.closes}
    return dict(Bookmaker.objects.filter(pk__in=ids).values_list("id", "key")) if ids else {}


def _plain_point(point: Decimal | None) -> str | None:
    return None if point is None else str(point)


def _shown_point(market: str, point: Decimal) -> str:
    """A handicap with its sign (a typographic minus), a total as it is: −0.75, +1.5, 2.5."""
    text = f"{abs(point).normalize():f}"
    if market != SPREADS:
        return text
    return ("−" if point < 0 else "+" if point > 0 else "") + text


def _shown_age(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{round(seconds / 3600)} h"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
