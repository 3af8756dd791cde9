"""What a quote is made of, by one rule wherever it comes from (a provider's response, a CSV file, a
person entering a bet): the line a market's outcomes share, and what a valid price and point are.
No database here."""

from __future__ import annotations

import math
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from odds.models import DRAW, H2H, H2H_LAY, OVER, SPREADS, TOTALS, UNDER

MARKET_KEYS = {H2H, SPREADS, TOTALS, H2H_LAY}
NO_POINT = {H2H, H2H_LAY}  # markets whose outcomes have no handicap or total
PRICE_STEP = Decimal("0.001")
POINT_STEP = Decimal("0.01")
MAX_PRICE = Decimal("10000")
MAX_POINT = Decimal("10000")
MAX_AVAILABLE = Decimal("1000000000000")  # what ``Price.available`` holds
CENT = Decimal("0.01")
ZERO = Decimal(0)

# Why a price is not valid: what ``price_problem`` answers.
NOT_ABOVE_ONE = "must be above 1.0"
TOO_HIGH = "is implausibly high"
TOO_PRECISE = "has more than 3 decimal places"


class InvalidQuote(ValueError):
    """A price, point or time that cannot be stored; the message says what and where."""


def price_problem(price: Decimal) -> str | None:
    """Why ``price`` is not a valid decimal price, or None: a valid one is finite, above 1, below
    10,000 and has at most 3 decimal places (the odds columns' precision)."""
    if not price.is_finite():
        return "is not finite"
    if price <= 1:
        return NOT_ABOVE_ONE
    if price >= MAX_PRICE:
        return TOO_HIGH
    if price != price.quantize(PRICE_STEP):
        return TOO_PRECISE
    return None


def to_price(value: object, where: str) -> Decimal:
    """A provider's price from a number or numeric text, rounded to 3 places (a float's conversion
    from American or fractional odds has more), then valid by ``price_problem``."""
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidQuote(f"{where}: price {value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidQuote(f"{where}: price {value!r} is not finite")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuote(f"{where}: price {value!r} is not a number") from None
    if not price.is_finite():
        raise InvalidQuote(f"{where}: price {value!r} is not finite")
    problem: str | None
    if price <= 1:
        problem = NOT_ABOVE_ONE
    elif price >= MAX_PRICE:  # before rounding: quantizing a huge number fails in Decimal's context
        problem = TOO_HIGH
    else:
        problem = price_problem(price.quantize(PRICE_STEP))
    if problem:
        raise InvalidQuote(f"{where}: price {price} {problem}")
    return price.quantize(PRICE_STEP)


def to_point(value: object, where: str) -> Decimal:
    """A handicap or total: a multiple of 0.25 below 10,000 either way."""
    try:
        point = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuote(f"{where}: point {value!r} is not a number") from None
    if not point.is_finite() or abs(point) >= MAX_POINT:
        raise InvalidQuote(f"{where}: point {value!r} is out of range")
    if point % Decimal("0.25"):
        raise InvalidQuote(f"{where}: point {point} is not a multiple of 0.25")
    return point.quantize(POINT_STEP)


def to_available(value: object, where: str) -> Decimal:
    """An exchange's amount on offer at a price (The Odds API's ``bet_limit``): a number from 0 up,
    to the cent (rounded down: never more than was on offer)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InvalidQuote(f"{where}: bet limit {value!r} is not a number")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuote(f"{where}: bet limit {value!r} is not a number") from None
    if not amount.is_finite() or not 0 <= amount < MAX_AVAILABLE:
        raise InvalidQuote(f"{where}: bet limit {value!r} is not an amount from 0 up to {MAX_AVAILABLE:,}")
    return amount.quantize(CENT, ROUND_DOWN)


def line_of(market: str, outcome: str, point: Decimal, home_team: str) -> Decimal:
    """The value that the outcomes of one market line share (see ``Selection.line``): the home side's
    handicap for spreads, the total for totals, 0 for h2h (and its lay prices)."""
    if market in NO_POINT:
        return ZERO
    if market == SPREADS:
        return point if outcome == home_team else -point
    return point


def outcomes_of(market: str, home_team: str, away_team: str) -> list[str]:
    """The outcomes a market's line has (The Odds API's names): none for a market monps does not know."""
    return {H2H: [home_team, DRAW, away_team], SPREADS: [home_team, away_team], TOTALS: [OVER, UNDER]}.get(market, [])
