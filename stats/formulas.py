"""Statistics formulas on plain numbers (no Django): drawdown, losing runs, significance of the
profit, the scores of probability forecasts (log loss, Brier, ranked probability, reliability) with
bootstrap intervals, Student's t distribution, and the skill-or-luck verdict on CLV and yield."""

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


# Student's t distribution, from the regularized incomplete beta function I_x(a, b) evaluated by the
# continued fraction of Numerical Recipes (Press, Teukolsky, Vetterling, Flannery, "Numerical Recipes
# in C", 2nd ed., 1992, §6.4, betacf and betai; Lentz's method, §5.2).
BETA_EPSILON = 1e-15
BETA_MAX_ITERATIONS = 10_000  # the fraction needs about sqrt(max(a, b)) terms: enough past a million bets
TINY = 1e-300


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (NR's ``betacf``), by the modified Lentz method."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > TINY else TINY)
    h = d
    for m in range(1, BETA_MAX_ITERATIONS + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > TINY else TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > TINY else TINY
            h *= d * c
        if abs(d * c - 1.0) < BETA_EPSILON:
            return h
    raise ArithmeticError(f"the incomplete beta fraction did not converge for a={a}, b={b}, x={x}")


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function ``I_x(a, b) = B(x; a, b) / B(a, b)`` for a, b > 0 and
    0 <= x <= 1 (NR's ``betai``): the fraction converges fast for ``x < (a + 1) / (a + b + 2)``, and
    ``I_x(a, b) = 1 - I_{1-x}(b, a)`` gives the other side."""
    if a <= 0 or b <= 0:
        raise ValueError(f"the incomplete beta function needs a > 0 and b > 0, got a={a}, b={b}")
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"the incomplete beta function needs 0 <= x <= 1, got x={x}")
    if x in (0.0, 1.0):
        return x
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, 1.0 - x) / b


def _check_df(df: float) -> None:
    if not df > 0 or not math.isfinite(df):
        raise ValueError(f"Student's t needs degrees of freedom above 0, got {df}")


def student_t_sf(t: float, df: float) -> float:
    """``P(T > t)`` for Student's t with ``df`` degrees of freedom: ``½ I_x(df/2, ½)`` with
    ``x = df / (df + t²)`` for t >= 0 (Abramowitz & Stegun 26.7.1 with 26.5.27), computed as the tail
    itself so that a small p-value keeps its digits."""
    _check_df(df)
    if math.isnan(t):
        raise ValueError("Student's t of NaN")
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


def student_t_cdf(t: float, df: float) -> float:
    """``P(T <= t)`` for Student's t with ``df`` degrees of freedom."""
    return student_t_sf(-t, df)


QUANTILE_ITERATIONS = 400


def student_t_quantile(p: float, df: float) -> float:
    """The t with ``P(T <= t) = p`` (e.g. 0.975 gives the two-sided 95% critical value), by
    bisection of the monotone tail: exact to the last bits of a float, without a starting guess."""
    _check_df(df)
    if not 0.0 < p < 1.0:
        raise ValueError(f"a quantile needs 0 < p < 1, got {p}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    tail = 1.0 - p
    low, high = 0.0, 1.0
    while student_t_sf(high, df) > tail:
        low, high = high, high * 2.0
    for _ in range(QUANTILE_ITERATIONS):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if student_t_sf(middle, df) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


# The skill-or-luck verdict on a set of bets.
ONE_SIDED_5 = 1.645  # the standard normal's 95th percentile: the bets-needed rule's z
BOOTSTRAP_RESAMPLES = 1_000  # Efron & Tibshirani's advice for percentile intervals: 1,000 or more
BOOTSTRAP_SEED = 20_260_000  # fixed: the same bets always give the same interval


@dataclass(frozen=True)
class ClvSignificance:
    """Is the average CLV above zero by more than chance? Over the ``bets`` with a valid CLV: their
    mean, sample standard deviation ``sd`` (n − 1), ``t = mean / (sd / √n)``, the one-sided p-value
    ``P(T_{n−1} >= t)``, the 95% interval ``mean ± t_{0.975, n−1} · sd / √n``, and ``bets_needed``,
    the further bets for a significant CLV at 5% at this mean and spread:
    ``⌈(1.645 · sd / mean)²⌉ − n``, at least 0, when the mean is positive (None otherwise)."""

    bets: int
    mean: float | None
    sd: float | None
    t: float | None
    p_value: float | None
    ci95: tuple[float, float] | None
    bets_needed: int | None


def clv_significance(clvs: Sequence[float]) -> ClvSignificance:
    """The t-test of the mean CLV against 0 (see ``ClvSignificance``): t, p and the interval need at
    least two bets and some spread."""
    n = len(clvs)
    if n == 0:
        return ClvSignificance(0, None, None, None, None, None, None)
    mean = math.fsum(clvs) / n
    if n < 2:
        return ClvSignificance(n, mean, None, None, None, None, None)
    sd = math.sqrt(math.fsum((c - mean) ** 2 for c in clvs) / (n - 1))
    needed = max(0, math.ceil((ONE_SIDED_5 * sd / mean) ** 2) - n) if mean > 0 else None
    if sd == 0:
        return ClvSignificance(n, mean, sd, None, None, None, needed)
    error = sd / math.sqrt(n)
    t = mean / error
    half = student_t_quantile(0.975, n - 1) * error
    return ClvSignificance(n, mean, sd, t, student_t_sf(t, n - 1), (mean - half, mean + half), needed)


def yield_interval(
    bets: Sequence[tuple[float, float]], *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> tuple[float, float] | None:
    """A 95% bootstrap interval of the yield (Σ profit / Σ stake) of settled bets ``(stake, profit)``:
    ``bootstrap_means`` of profit and stake over the same rows (their ratio is the resample's yield;
    Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13), then its
    ``percentile_interval``. Seeded, so the same bets in the same order give the same interval.
    None for fewer than two bets."""
    if len(bets) < 2 or resamples < 2:
        return None
    means = bootstrap_means(
        {"stake": [stake for stake, _ in bets], "profit": [profit for _, profit in bets]},
        resamples=resamples,
        seed=seed,
    )
    yields = [p / s for p, s in zip(means["profit"], means["stake"], strict=True) if s > 0]
    return percentile_interval(yields) if len(yields) >= 2 else None


@dataclass(frozen=True)
class Verdict:
    """The skill-or-luck figures of a set of bets: the CLV's t-test and the yield's bootstrap interval."""

    clv: ClvSignificance
    yield_ci95: tuple[float, float] | None
    resamples: int = BOOTSTRAP_RESAMPLES


def verdict(clvs: Sequence[float], settled: Sequence[tuple[float, float]]) -> Verdict:
    """``clvs``: the CLV of each bet that has a valid one; ``settled``: ``(stake, profit)`` of each
    settled bet that is not void, in a fixed order (the bootstrap's draws follow it)."""
    return Verdict(clv_significance(clvs), yield_interval(settled))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test
    procedure"), for p-values of m tests tried together: with the p-values in increasing order
    ``p_(1) <= ... <= p_(m)``, the adjusted ``p~_(i) = max_{j <= i} min(1, (m - j + 1) p_(j))``, given
    back in the order of ``p_values`` (R's ``p.adjust(p, "holm")``). A test is rejected at level a
    exactly when its adjusted p-value is at most a."""
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
