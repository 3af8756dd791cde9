"""Statistics formulas on plain numbers (no Django): drawdown, losing runs, significance, and the scores
of probability forecasts (log loss, Brier, ranked probability, reliability) with bootstrap intervals."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple


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


# Scoring probability forecasts against what happened (devig methods scored on results). A forecast
# is one event's probabilities, in outcome order, and the index of the outcome that happened.


class Forecast(NamedTuple):
    probabilities: tuple[float, ...]  # for a three-way market: home, draw, away
    happened: int


def log_loss(forecast: Forecast) -> float:
    """``-ln p(outcome that happened)`` (Good 1952); averaged over events, the log loss."""
    return -math.log(forecast.probabilities[forecast.happened])


def brier(forecast: Forecast) -> float:
    """``sum_i (p_i - o_i)^2`` with ``o_i`` 1 for the outcome that happened, 0 otherwise (Brier 1950,
    the original multi-outcome form, from 0 to 2)."""
    return sum((p - (i == forecast.happened)) ** 2 for i, p in enumerate(forecast.probabilities))


def ranked_probability(forecast: Forecast) -> float:
    """The ranked probability score of ordered outcomes (Epstein 1969; Constantinou and Fenton 2012
    for football): ``1 / (r - 1) * sum_{k=1}^{r-1} (P_k - O_k)^2`` over the cumulative forecast P and
    outcome O; for home, draw, away ``1/2 * sum_{k=1,2}``."""
    cumulative_p = cumulative_o = total = 0.0
    last = len(forecast.probabilities) - 1
    for i, p in enumerate(forecast.probabilities[:last]):
        cumulative_p += p
        cumulative_o += i == forecast.happened
        total += (cumulative_p - cumulative_o) ** 2
    return total / last


def bootstrap_means(columns: Mapping[str, Sequence[float]], *, resamples: int, seed: int) -> dict[str, list[float]]:
    """Efron's bootstrap of column means: ``resamples`` times, draw as many rows as there are, with
    replacement, by ``random.Random(seed)`` (the same seed, the same draws), and take each column's
    mean over the rows drawn. Every column is read at the same rows, so columns stay comparable."""
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"columns of different lengths {sorted(lengths)}: resample rows of one table")
    n = lengths.pop() if lengths else 0
    means: dict[str, list[float]] = {name: [] for name in columns}
    if not n:
        return means
    rng = random.Random(seed)
    rows = range(n)
    for _ in range(resamples):
        drawn = rng.choices(rows, k=n)
        for name, values in columns.items():
            means[name].append(math.fsum(map(values.__getitem__, drawn)) / n)
    return means


def percentile_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` range of ``values``: the (1 - level) / 2 and (1 + level) / 2 quantiles,
    linearly interpolated between order statistics (Hyndman and Fan 1996, type 7, as R and numpy)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values to take an interval of")

    def quantile(q: float) -> float:
        position = q * (len(ordered) - 1)
        below = math.floor(position)
        above = min(below + 1, len(ordered) - 1)
        return ordered[below] + (ordered[above] - ordered[below]) * (position - below)

    return quantile((1 - level) / 2), quantile((1 + level) / 2)


class ReliabilityBin(NamedTuple):
    low: float
    high: float
    forecasts: int  # outcome probabilities in [low, high) (the last bin includes 1)
    mean_probability: float | None
    frequency: float | None  # the share of them that happened


def reliability(forecasts: Iterable[Forecast], bins: int = 10) -> list[ReliabilityBin]:
    """A reliability diagram's points (Murphy and Winkler 1977): every outcome's probability of every
    forecast, in ``bins`` equal bins of probability, with the bin's mean probability and how often
    those outcomes happened. A well-calibrated forecast lies on the diagonal."""
    counts, sums, hits = [0] * bins, [0.0] * bins, [0] * bins
    for forecast in forecasts:
        for i, p in enumerate(forecast.probabilities):
            index = min(int(round(p * bins, 9)), bins - 1)  # 0.2 computed as 0.19999999999999998 is 0.2
            counts[index] += 1
            sums[index] += p
            hits[index] += i == forecast.happened
    return [
        ReliabilityBin(
            b / bins,
            (b + 1) / bins,
            counts[b],
            sums[b] / counts[b] if counts[b] else None,
            hits[b] / counts[b] if counts[b] else None,
        )
        for b in range(bins)
    ]
