"""Statistics formulas on plain numbers (no Django): drawdown, losing runs, significance."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Drawdown:
    amount: float  # largest fall from a peak, in money
    share: float  # that fall as a share of the peak (0 when the peak is not positive)


def max_drawdown(balances: Sequence[float]) -> Drawdown:
    """The largest peak-to-trough fall of a running balance."""
    peak = -math.inf
    worst = Drawdown(0.0, 0.0)
    for balance in balances:
        peak = max(peak, balance)
        fall = peak - balance
        if fall > worst.amount:
            worst = Drawdown(fall, fall / peak if peak > 0 else 0.0)
    return worst


def longest_run(outcomes: Iterable[bool]) -> int:
    """The longest run of True (e.g. losing bets in settlement order)."""
    best = current = 0
    for outcome in outcomes:
        current = current + 1 if outcome else 0
        best = max(best, current)
    return best


@dataclass(frozen=True)
class Significance:
    z: float | None
    p_value: float | None  # one-sided: the chance of doing at least this well with no edge at all


def significance(bets: Iterable[tuple[float, float, float]]) -> Significance:
    """Is the profit skill or luck? For bets ``(price, stake, profit)`` under the hypothesis of no edge
    (each bet wins with probability ``1 / price``), a bet's profit has mean 0 and variance
    ``stake^2 * (price - 1)``; then ``z = total profit / sqrt(sum of variances)`` and the p-value is
    ``1 - Phi(z)``. Half results are treated as full bets, a slight overstatement of the variance."""
    total = variance = 0.0
    for price, stake, profit in bets:
        total += profit
        variance += stake * stake * (price - 1.0)
    if variance <= 0:
        return Significance(None, None)
    z = total / math.sqrt(variance)
    return Significance(z, 0.5 * math.erfc(z / math.sqrt(2)))
