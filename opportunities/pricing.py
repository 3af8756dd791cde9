"""Pricing maths on plain floats: remove the margin, edge, Kelly, surebets, closing line value.

No Django here: usable from a notebook, tested against published numbers. Notation: ``o_i`` decimal
odds of outcome i of one market, ``pi_i = 1 / o_i`` the implied probabilities, ``B = sum(pi_i)`` the
booksum (1 + margin), ``p_i`` the fair probabilities returned, which always sum to 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

METHODS = ("multiplicative", "additive", "power", "shin", "odds_ratio")
TOLERANCE = 1e-12
MAX_ITERATIONS = 200


class InvalidOdds(ValueError):
    """Odds that no method can price: <= 1, not finite, or fewer than two outcomes."""


def implied(odds: Sequence[float]) -> list[float]:
    """``pi_i = 1 / o_i``, after checking every price."""
    if len(odds) < 2:
        raise InvalidOdds(f"a market needs at least two outcomes, got {len(odds)}")
    checked = []
    for index, price in enumerate(odds):
        try:
            value = float(price)
        except (TypeError, ValueError):
            raise InvalidOdds(f"outcome {index}: price {price!r} is not a number") from None
        if not math.isfinite(value):
            raise InvalidOdds(f"outcome {index}: price {price!r} is not finite")
        if value <= 1.0:
            raise InvalidOdds(f"outcome {index}: price {value} must be above 1.0")
        checked.append(1.0 / value)
    return checked


def margin(odds: Sequence[float]) -> float:
    """The bookmaker's margin (overround): ``sum(1 / o_i) - 1``."""
    return sum(implied(odds)) - 1.0


def devig(odds: Sequence[float], method: str = "multiplicative") -> list[float]:
    """Fair probabilities of one complete market, summing to 1. ``method`` is one of ``METHODS``."""
    try:
        solver = _METHODS[method]
    except KeyError:
        raise ValueError(f"unknown devig method {method!r}; use one of {', '.join(METHODS)}") from None
    pi = implied(odds)
    booksum = sum(pi)
    if abs(booksum - 1.0) < TOLERANCE:
        return [p / booksum for p in pi]
    probabilities = solver(pi, booksum)
    total = sum(probabilities)
    return [p / total for p in probabilities]  # remove the solver's last 1e-12


def multiplicative(pi: list[float], booksum: float) -> list[float]:
    """Normalisation: ``p_i = pi_i / B``. The margin is spread in proportion to each probability."""
    return [p / booksum for p in pi]


def additive(pi: list[float], booksum: float) -> list[float]:
    """Equal shares: ``p_i = pi_i - (B - 1) / n``. Long shots can go negative: then it refuses."""
    n = len(pi)
    probabilities = [p - (booksum - 1.0) / n for p in pi]
    if min(probabilities) <= 0:
        raise InvalidOdds(
            f"the additive method gives outcome {probabilities.index(min(probabilities))} a probability "
            f"<= 0 (margin {booksum - 1:.1%} over {n} outcomes); use another method"
        )
    return probabilities


def power(pi: list[float], booksum: float) -> list[float]:
    """``p_i = pi_i ** k`` with k solving ``sum(pi_i ** k) = 1`` (the "logarithmic" method of
    Buchdahl's *Wisdom of the Crowd*; R package ``implied``). Takes more margin from long shots."""
    k = _solve(lambda k: sum(p**k for p in pi) - 1.0, 0.01, 100.0)
    return [p**k for p in pi]


def shin(pi: list[float], booksum: float) -> list[float]:
    """Shin (1992, 1993): a share z of money comes from insiders. For z in [0, 1)

        p_i = (sqrt(z^2 + 4 (1 - z) pi_i^2 / B) - z) / (2 (1 - z)),

    with z solving ``sum(p_i) = 1`` (Jullien and Salanie 1994; R package ``implied``). An
    underround market (B < 1) gives z < 0."""

    def probabilities(z: float) -> list[float]:
        return [(math.sqrt(z * z + 4 * (1 - z) * p * p / booksum) - z) / (2 * (1 - z)) for p in pi]

    z = _solve(lambda z: sum(probabilities(z)) - 1.0, -0.99, 0.99)
    return probabilities(z)


def shin_z(odds: Sequence[float]) -> float:
    """The share of insider money in Shin's model for this market."""
    pi = implied(odds)
    booksum = sum(pi)

    def total(z: float) -> float:
        return sum((math.sqrt(z * z + 4 * (1 - z) * p * p / booksum) - z) / (2 * (1 - z)) for p in pi) - 1.0

    return _solve(total, -0.99, 0.99)


def odds_ratio(pi: list[float], booksum: float) -> list[float]:
    """Cheung (2015): fair and implied odds differ by one odds ratio c,
    ``p_i = pi_i / (c + pi_i - c pi_i)``, with c solving ``sum(p_i) = 1``."""
    c = _solve(lambda c: sum(p / (c + p - c * p) for p in pi) - 1.0, 1e-6, 1e6)
    return [p / (c + p - c * p) for p in pi]


_METHODS: dict[str, Callable[[list[float], float], list[float]]] = {
    "multiplicative": multiplicative,
    "additive": additive,
    "power": power,
    "shin": shin,
    "odds_ratio": odds_ratio,
}


def _solve(f: Callable[[float], float], low: float, high: float) -> float:
    """Bisection on a monotone f over [low, high]: slow but it cannot fail to converge."""
    f_low, f_high = f(low), f(high)
    if f_low == 0:
        return low
    if f_high == 0:
        return high
    if (f_low > 0) == (f_high > 0):
        raise InvalidOdds("no fair probabilities exist for these odds (the solver found no root)")
    for _ in range(MAX_ITERATIONS):
        middle = (low + high) / 2
        f_middle = f(middle)
        if f_middle == 0 or (high - low) / 2 < TOLERANCE:
            return middle
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


def fair_price(probability: float) -> float:
    return math.inf if probability <= 0 else 1.0 / probability


def edge(price: float, probability: float) -> float:
    """Expected return per unit staked: ``price * probability - 1``."""
    return price * probability - 1.0


def kelly(price: float, probability: float, fraction: float = 1.0, *, cap: float | None = None) -> float:
    """Kelly (1956): the stake as a share of bankroll, ``(b p - q) / b`` with ``b = price - 1``, times
    ``fraction`` (e.g. 0.25 for quarter Kelly), at most ``cap``; 0 when the edge is not positive."""
    if price <= 1.0:
        raise InvalidOdds(f"price {price} must be above 1.0")
    b = price - 1.0
    share = (b * probability - (1.0 - probability)) / b
    if share <= 0:
        return 0.0
    share *= fraction
    return min(share, cap) if cap is not None else share


def surebet(prices: Sequence[float]) -> list[float] | None:
    """Stake shares over all outcomes that return the same whatever happens, when
    ``sum(1 / o_i) < 1``; None otherwise. Share i is ``(1 / o_i) / sum(1 / o_j)``."""
    pi = implied(prices)
    booksum = sum(pi)
    if booksum >= 1.0:
        return None
    return [p / booksum for p in pi]


def locked_return(prices: Sequence[float]) -> float:
    """The profit per unit staked that a surebet locks: ``1 / sum(1 / o_i) - 1``."""
    return 1.0 / sum(implied(prices)) - 1.0


def clv(price_taken: float, closing_fair_probability: float) -> float:
    """Closing line value: ``price_taken * closing_fair_probability - 1``."""
    return price_taken * closing_fair_probability - 1.0
