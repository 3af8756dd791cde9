"""Odds in the three formats bettors read: decimal (2.50), American (+150, -200) and fractional (3/2).
Pure: no Django. monps stores and computes decimal odds only; these convert at the page's edge.

American: a price of 2.00 or more is the profit on a stake of 100 (+150 = 2.50); below 2.00 it is the
stake that wins 100 (-200 = 1.50). Fractional: profit over stake (3/2 = 2.50; "evens" = 2.00)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from web.strict import NotPlainNumber, plain_decimal

DECIMAL, AMERICAN, FRACTIONAL = "decimal", "american", "fractional"
FORMATS = ((DECIMAL, "Decimal (2.50)"), (AMERICAN, "American (+150)"), (FRACTIONAL, "Fractional (3/2)"))
EXAMPLES = {DECIMAL: "2.50", AMERICAN: "+150 or -200", FRACTIONAL: "3/2"}
PRICE_STEP = Decimal("0.001")  # what a price is stored with
# Fractional prices as bookmakers quote them: no denominator above 100 (10/11, 100/30 are quoted; 909/1000 is not).
LARGEST_DENOMINATOR = 100


class NotOdds(ValueError):
    """Text that is not a price in the format asked for; the message says what was expected."""


def decimal_text(price: Decimal) -> str:
    """Two places, three when the third matters (2.125)."""
    text = f"{price.quantize(PRICE_STEP, ROUND_HALF_UP):.3f}"
    return text[:-1] if text.endswith("0") else text


def american(price: Decimal) -> str:
    if price <= 1:
        raise NotOdds(f"{price} is not a price (decimal odds are above 1)")
    if price >= 2:
        return f"+{((price - 1) * 100).quantize(Decimal(1), ROUND_HALF_UP)}"
    return f"-{(100 / (price - 1)).quantize(Decimal(1), ROUND_HALF_UP)}"


def fractional(price: Decimal) -> str:
    if price <= 1:
        raise NotOdds(f"{price} is not a price (decimal odds are above 1)")
    profit = Fraction(price - 1).limit_denominator(LARGEST_DENOMINATOR)
    return f"{profit.numerator}/{profit.denominator}"


def formatted(price: Decimal, odds_format: str) -> str:
    if odds_format == AMERICAN:
        return american(price)
    if odds_format == FRACTIONAL:
        return fractional(price)
    return decimal_text(price)


def parse(text: str, odds_format: str) -> Decimal:
    """The decimal price of ``text`` written in ``odds_format``; American and fractional odds are rounded
    to the stored step, decimal odds are returned as written (the caller checks their places)."""
    text = text.strip()
    try:
        if odds_format == AMERICAN:
            return _american(text)
        if odds_format == FRACTIONAL:
            return _fractional(text)
        price = plain_decimal(text)
    except NotPlainNumber as exc:
        raise NotOdds(f"{exc}: write a price like {EXAMPLES.get(odds_format, EXAMPLES[DECIMAL])}") from None
    if price <= 1:
        raise NotOdds(f"{text!r} is not a price above 1")
    return price


def _american(text: str) -> Decimal:
    sign, digits = (text[0], text[1:]) if text[:1] in "+-" else ("+", text)
    line = plain_decimal(digits)
    if line < 100 or digits[:1] in "+-":
        raise NotOdds(f"{text!r}: American odds are +100 or more, or -100 or less")
    price = 1 + line / 100 if sign == "+" else 1 + 100 / line
    return price.quantize(PRICE_STEP, ROUND_HALF_UP)


def _fractional(text: str) -> Decimal:
    if text.lower() in ("evens", "evs", "even"):
        return Decimal(2)
    numerator, slash, denominator = text.partition("/")
    if not slash:
        raise NotOdds(f"{text!r} is not a price: write it like {EXAMPLES[FRACTIONAL]}")
    top, bottom = plain_decimal(numerator.strip()), plain_decimal(denominator.strip())
    if top <= 0 or bottom <= 0:
        raise NotOdds(f"{text!r}: a fraction of two numbers above 0, e.g. 3/2")
    return (1 + top / bottom).quantize(PRICE_STEP, ROUND_HALF_UP)
