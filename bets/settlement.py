"""Settlement rules, pure: which status a bet ends with, and its profit to the cent.

Handicaps and totals on quarter lines (x.25, x.75) are two half-stakes on the neighbouring lines
(e.g. -0.75 = -0.5 and -1.0): one half can win and the other push, giving half won / half lost.
A whole-number line landing exactly is a push: the stake comes back.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from opportunities.pricing import net_price

WON, LOST, VOID, HALF_WON, HALF_LOST, PUSH = "won", "lost", "void", "half_won", "half_lost", "push"
CENT = Decimal("0.01")
QUARTER = Decimal("0.25")


class CannotSettle(ValueError):
    """The result does not decide this bet (unknown outcome name, missing point, no score)."""


def _half(margin: Decimal) -> str:
    return WON if margin > 0 else LOST if margin < 0 else PUSH


def _combine(first: str, second: str) -> str:
    pair = {first, second}
    if pair == {WON}:
        return WON
    if pair == {LOST}:
        return LOST
    if pair == {PUSH}:
        return PUSH
    if pair == {WON, PUSH}:
        return HALF_WON
    if pair == {LOST, PUSH}:
        return HALF_LOST
    raise CannotSettle(f"halves {first} and {second} cannot both happen")  # pragma: no cover


def _line_status(margin_without_line: Decimal, line: Decimal) -> str:
    """Status of a bet that wins when ``margin_without_line + line > 0``."""
    if abs(line * 4) % 2 == 1:  # a quarter line: x.25 or x.75
        return _combine(_half(margin_without_line + line - QUARTER), _half(margin_without_line + line + QUARTER))
    return _half(margin_without_line + line)


def outcome_status(
    *,
    market: str,
    outcome: str,
    point: Decimal | None,
    home_team: str,
    away_team: str,
    home_score: int,
    away_score: int,
) -> str:
    """The status of a bet on ``outcome`` given the final score."""
    if market == "h2h":
        if outcome == home_team:
            return WON if home_score > away_score else LOST
        if outcome == away_team:
            return WON if away_score > home_score else LOST
        if outcome == "Draw":
            return WON if home_score == away_score else LOST
        raise CannotSettle(f"outcome {outcome!r} is neither {home_team!r}, {away_team!r} nor 'Draw'")
    if point is None:
        raise CannotSettle(f"a {market} bet needs a point")
    point = Decimal(point)
    if market == "spreads":
        if outcome == home_team:
            return _line_status(Decimal(home_score - away_score), point)
        if outcome == away_team:
            return _line_status(Decimal(away_score - home_score), point)
        raise CannotSettle(f"outcome {outcome!r} is neither {home_team!r} nor {away_team!r}")
    if market == "totals":
        total = Decimal(home_score + away_score)
        if outcome == "Over":
            return _line_status(total, -point)
        if outcome == "Under":
            return _line_status(-total, point)
        raise CannotSettle(f"outcome {outcome!r} is neither 'Over' nor 'Under'")
    raise CannotSettle(f"unknown market {market!r}")


def profit(status: str, *, price: Decimal, stake: Decimal, commission: Decimal = Decimal(0)) -> Decimal:
    """won: stake × (price − 1); lost: −stake; push/void: 0; half won: half the win; half lost: −stake / 2.
    An exchange's ``commission`` (a share) is taken from the winnings: the price is its net price
    ``1 + (price − 1)(1 − commission)`` (``pricing.net_price``), so 10.00 won at 3.00 with 5% pays 19.00."""
    price, stake = net_price(Decimal(price), Decimal(commission)), Decimal(stake)
    amounts = {
        WON: stake * (price - 1),
        LOST: -stake,
        PUSH: Decimal(0),
        VOID: Decimal(0),
        HALF_WON: stake * (price - 1) / 2,
        HALF_LOST: -stake / 2,
    }
    try:
        return amounts[status].quantize(CENT, ROUND_HALF_UP)
    except KeyError:
        raise CannotSettle(f"no profit for status {status!r}") from None
