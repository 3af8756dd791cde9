import math
import random
import statistics

import pytest

from stats.formulas import (
    Forecast,
    bootstrap_means,
    brier,
    clv_significance,
    holm,
    incomplete_beta,
    log_loss,
    longest_run,
    max_drawdown,
    percentile_interval,
    ranked_probability,
    reliability,
    significance,
    student_t_cdf,
    student_t_quantile,
    student_t_sf,
    yield_interval,
)


def test_max_drawdown_is_the_largest_fall_from_a_peak():
    drawdown = max_drawdown([100, 120, 90, 130, 80, 140])
    assert drawdown.amount == 50
    assert drawdown.share == pytest.approx(50 / 130)
    assert max_drawdown([1, 2, 3]).amount == 0


def test_longest_run():
    assert longest_run([True, True, False, True, True, True, False]) == 3
    assert longest_run([]) == 0


def test_significance_of_a_known_case():
    # 100 bets at evens, stake 1: variance per bet 1 * 1 * (2 - 1) = 1; profit +20 -> z = 20 / 10 = 2.
    bets = [(2.0, 1.0, 1.0)] * 60 + [(2.0, 1.0, -1.0)] * 40
    result = significance(bets)
    assert result.z == pytest.approx(2.0)
    assert result.p_value == pytest.approx(0.5 * math.erfc(2 / math.sqrt(2)))
    assert result.p_value == pytest.approx(0.02275, abs=1e-5)  # the standard normal tail at 2
    assert significance([]).z is None


# Forecast scores on three hand-made events (home, draw, away); every expected number is worked out
# by hand from the definitions (Brier 1950; Epstein 1969, the RPS of Constantinou and Fenton 2012).
HOME_WIN = Forecast((0.5, 0.25, 0.25), 0)
DRAW = Forecast((0.6, 0.2, 0.2), 1)
UPSET = Forecast((0.25, 0.25, 0.5), 0)


def test_log_loss_is_minus_the_log_of_what_happened():
    assert log_loss(HOME_WIN) == pytest.approx(0.6931471805599453)  # ln 2
    assert log_loss(DRAW) == pytest.approx(1.6094379124341003)  # ln 5
    assert log_loss(UPSET) == pytest.approx(1.3862943611198906)  # ln 4


def test_brier_sums_every_outcome():
    assert brier(HOME_WIN) == pytest.approx(0.25 + 0.0625 + 0.0625)  # (0.5-1)² + 0.25² + 0.25²
    assert brier(DRAW) == pytest.approx(0.36 + 0.64 + 0.04)  # 0.6² + (0.2-1)² + 0.2²
    assert brier(UPSET) == pytest.approx(0.5625 + 0.0625 + 0.25)
    assert brier(Forecast((0.7, 0.3), 1)) == pytest.approx(0.49 + 0.49)  # two-way: 0.7² + (0.3-1)²


def test_ranked_probability_reads_the_outcomes_in_order():
    # Home win: cumulative p 0.5, 0.75 against 1, 1 -> (0.25 + 0.0625) / 2.
    assert ranked_probability(HOME_WIN) == pytest.approx(0.15625)
    # Draw: 0.6, 0.8 against 0, 1 -> (0.36 + 0.04) / 2.
    assert ranked_probability(DRAW) == pytest.approx(0.2)
    # Home win at 0.25: 0.25, 0.5 against 1, 1 -> (0.5625 + 0.25) / 2.
    assert ranked_probability(UPSET) == pytest.approx(0.40625)
    # Ordered: all the probability on the away side is further from a home win than on the draw.
    assert ranked_probability(Forecast((0, 0, 1), 0)) == 1.0
    assert ranked_probability(Forecast((0, 1, 0), 0)) == 0.5


def test_bootstrap_means_redraw_the_same_rows_for_every_column():
    columns = {"a": [1.0, 2.0, 4.0, 8.0], "b": [0.5, 0.0, 0.25, 1.0]}
    means = bootstrap_means(columns, resamples=50, seed=7)
    # By hand with the same generator: each resample draws 4 rows, floor(random() * 4) each.
    rng = random.Random(7)
    for r in range(50):
        rows = [math.floor(rng.random() * 4) for _ in range(4)]
        assert means["a"][r] == pytest.approx(sum(columns["a"][i] for i in rows) / 4)
        assert means["b"][r] == pytest.approx(sum(columns["b"][i] for i in rows) / 4)
    assert bootstrap_means(columns, resamples=50, seed=7) == means
    assert bootstrap_means(columns, resamples=50, seed=8) != means
    with pytest.raises(ValueError, match="different lengths"):
        bootstrap_means({"a": [1.0], "b": [1.0, 2.0]}, resamples=1, seed=0)


def test_percentile_interval_is_the_type_7_quantile():
    values = [float(v) for v in random.Random(1).sample(range(1000), 101)]
    low, high = percentile_interval(values, 0.95)
    # statistics' "inclusive" method is Hyndman and Fan's type 7; 40 quantiles cut at 2.5% and 97.5%.
    cuts = statistics.quantiles(values, n=40, method="inclusive")
    assert (low, high) == (pytest.approx(cuts[0]), pytest.approx(cuts[-1]))
    assert percentile_interval([3.0]) == (3.0, 3.0)


def test_reliability_bins_every_outcome_probability():
    bins = reliability([HOME_WIN, DRAW, UPSET], bins=10)
    by_low = {round(b.low, 1): b for b in bins if b.forecasts}
    # [0.2, 0.3): 0.2 x2 and 0.25 x4, of which the draw at 0.2 and the home win at 0.25 happened;
    # [0.5, 0.6): the home win at 0.5 (happened) and the away side at 0.5; [0.6, 0.7): the home side at 0.6.
    assert {k: b.forecasts for k, b in by_low.items()} == {0.2: 6, 0.5: 2, 0.6: 1}
    assert by_low[0.2].mean_probability == pytest.approx((0.2 * 2 + 0.25 * 4) / 6)
    assert by_low[0.2].frequency == pytest.approx(2 / 6)  # the draw at 0.2, the home win at 0.25
    assert by_low[0.5].frequency == pytest.approx(1 / 2)  # the home win at 0.5 happened, the away at 0.5 did not
    assert by_low[0.6].frequency == 0.0
    assert sum(b.forecasts for b in bins) == 9
    assert reliability([Forecast((1.0, 0.0), 0)], bins=10)[-1].forecasts == 1  # 1 falls in the last bin
    # A probability a rounding error under a bin's edge is in that bin: 1 - 0.8 is 0.19999999999999996.
    assert reliability([Forecast((0.8, 1 - 0.8), 0)], bins=10)[2].forecasts == 1


# Student's t distribution.
#
# Critical values t_q (P(T <= t_q) = q) to three decimals: NIST/SEMATECH e-Handbook of Statistical
# Methods, §1.3.6.7.2 "Critical Values of the Student's t Distribution" (columns 0.90 … 0.999). The
# df 1, q 0.999 cell (printed 318.313; 318.309 to three decimals) is left out.
T_TABLE_QUANTILES = (0.90, 0.95, 0.975, 0.99, 0.995, 0.999)
T_TABLE = {
    1: (3.078, 6.314, 12.706, 31.821, 63.657, None),
    2: (1.886, 2.920, 4.303, 6.965, 9.925, 22.327),
    5: (1.476, 2.015, 2.571, 3.365, 4.032, 5.893),
    10: (1.372, 1.812, 2.228, 2.764, 3.169, 4.144),
    30: (1.310, 1.697, 2.042, 2.457, 2.750, 3.385),
    100: (1.290, 1.660, 1.984, 2.364, 2.626, 3.174),
}


def t_cdf_closed_form(t: float, df: int) -> float:
    """P(T <= t) for a whole number of degrees of freedom by the finite sums of Abramowitz & Stegun,
    "Handbook of Mathematical Functions" (1964), 26.7.3 (odd df) and 26.7.4 (even df):
    A(t|df) = P(|T| < t), with theta = arctan(t / sqrt(df))."""
    theta = math.atan(abs(t) / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2:
        series, term = 0.0, 1.0  # cos θ + 2/3 cos³ θ + … + (2·4···(df−3))/(1·3···(df−2)) cos^(df−2) θ
        for k in range(1, (df - 1) // 2 + 1):
            term = c if k == 1 else term * c * c * (2 * k - 2) / (2 * k - 1)
            series += term
        a = 2 / math.pi * (theta + s * series) if df > 1 else 2 * theta / math.pi
    else:
        series, term = 1.0, 1.0  # 1 + ½ cos² θ + (1·3)/(2·4) cos⁴ θ + … + (1·3···(df−3))/(2·4···(df−2)) cos^(df−2) θ
        for k in range(1, df // 2):
            term *= c * c * (2 * k - 1) / (2 * k)
            series += term
        a = s * series
    return 0.5 + a / 2 if t >= 0 else 0.5 - a / 2


def test_t_critical_values_match_the_published_table():
    assert [round(student_t_quantile(0.975, df), 3) for df in (1, 2, 5, 10, 30, 100)] == [
        12.706,
        4.303,
        2.571,
        2.228,
        2.042,
        1.984,
    ]
    for df, row in T_TABLE.items():
        for q, printed in zip(T_TABLE_QUANTILES, row, strict=True):
            if printed is None:
                continue
            assert round(student_t_quantile(q, df), 3) == printed, (df, q)
            assert student_t_quantile(1 - q, df) == pytest.approx(-student_t_quantile(q, df), rel=1e-12)


def test_t_p_values_match_the_published_table():
    # The true critical value lies within half a unit of the table's last digit, so the one-sided
    # p-value at the printed value -/+ 0.0005 brackets the table's tail probability.
    for df, row in T_TABLE.items():
        for q, printed in zip(T_TABLE_QUANTILES, row, strict=True):
            if printed is None:
                continue
            assert student_t_sf(printed + 0.0005, df) < 1 - q < student_t_sf(printed - 0.0005, df), (df, q)


def test_t_distribution_matches_the_closed_forms():
    for df in range(1, 13):
        for t in (-6.0, -2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 2.228, 3.0, 8.0, 40.0):
            expected = t_cdf_closed_form(t, df)
            assert student_t_cdf(t, df) == pytest.approx(expected, rel=1e-12, abs=1e-15), (df, t)
            assert student_t_sf(t, df) == pytest.approx(1 - expected, rel=1e-9, abs=1e-15), (df, t)
    # Cauchy (df 1): P(T <= t) = 1/2 + arctan(t) / pi, to far in the tail.
    assert student_t_sf(1e6, 1) == pytest.approx(0.5 - math.atan(1e6) / math.pi, rel=1e-9)
    # Many degrees of freedom: the standard normal, Phi(1.96) = 0.9750021 (A&S table 26.1).
    assert student_t_cdf(1.96, 10**6) == pytest.approx(0.5 * math.erfc(-1.96 / math.sqrt(2)), abs=1e-6)


def test_incomplete_beta_meets_its_identities():
    # DLMF §8.17(i): I_x(a, 1) = x^a, I_x(1, b) = 1 - (1 - x)^b, I_x(a, b) = 1 - I_(1-x)(b, a), and
    # I_p(k, n - k + 1) = P(Binomial(n, p) >= k).
    for x in (0.01, 0.3, 0.5, 0.77, 0.999):
        assert incomplete_beta(3.5, 1, x) == pytest.approx(x**3.5, rel=1e-13)
        assert incomplete_beta(1, 2.5, x) == pytest.approx(1 - (1 - x) ** 2.5, rel=1e-13)
        assert incomplete_beta(4.2, 0.5, x) == pytest.approx(1 - incomplete_beta(0.5, 4.2, 1 - x), rel=1e-12)
    for n, k, p in ((10, 3, 0.2), (40, 25, 0.55), (200, 120, 0.5), (7, 7, 0.9)):
        tail = math.fsum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))
        assert incomplete_beta(k, n - k + 1, p) == pytest.approx(tail, rel=1e-11)
    assert incomplete_beta(2, 3, 0.0) == 0.0
    assert incomplete_beta(2, 3, 1.0) == 1.0
    with pytest.raises(ValueError, match="0 <= x <= 1"):
        incomplete_beta(2, 3, 1.5)
    with pytest.raises(ValueError, match="a > 0 and b > 0"):
        incomplete_beta(0, 3, 0.5)
    with pytest.raises(ValueError, match="degrees of freedom above 0"):
        student_t_sf(1.0, 0)
    with pytest.raises(ValueError, match="0 < p < 1"):
        student_t_quantile(1.0, 5)


# The verdict.
CLVS = [0.031, -0.012, 0.054, 0.008, 0.022, -0.027, 0.041, 0.015, 0.003, 0.036, -0.005]  # 11 bets: df 10


def test_clv_significance_is_a_one_sided_t_test():
    result = clv_significance(CLVS)
    n = len(CLVS)
    mean, sd = statistics.fmean(CLVS), statistics.stdev(CLVS)
    error = sd / math.sqrt(n)
    assert result.bets == n
    assert result.mean == pytest.approx(mean, rel=1e-15)
    assert result.sd == pytest.approx(sd, rel=1e-14)
    assert result.t == pytest.approx(mean / error, rel=1e-14)
    assert result.p_value == pytest.approx(1 - t_cdf_closed_form(mean / error, n - 1), rel=1e-10)
    # mean ± t_0.975,10 · sd / √n, t_0.975,10 = 2.228 (NIST table above) to three decimals.
    low, high = result.ci95
    assert high - mean == pytest.approx(mean - low, rel=1e-12)
    assert abs((high - mean) / error - 2.228) <= 0.0005
    assert result.bets_needed == max(0, math.ceil((1.645 * sd / mean) ** 2) - n)


def test_bets_needed_counts_what_is_missing_and_only_for_a_positive_mean():
    small = [0.02, -0.01, 0.03, -0.02, 0.01]  # mean 0.006, sd 0.02074: (1.645 · sd / mean)² = 32.3
    mean, sd = statistics.fmean(small), statistics.stdev(small)
    assert clv_significance(small).bets_needed == math.ceil((1.645 * sd / mean) ** 2) - 5 == 28
    assert clv_significance([0.05, 0.06, 0.04, 0.05]).bets_needed == 0  # already beyond it
    assert clv_significance([-0.01, 0.0, -0.02]).bets_needed is None
    assert clv_significance([0.0, 0.0]).bets_needed is None
    one = clv_significance([0.03])
    assert (one.bets, one.mean, one.t, one.p_value, one.ci95, one.bets_needed) == (1, 0.03, None, None, None, None)
    assert clv_significance([]).mean is None


def test_yield_interval_is_reproducible_and_seeded():
    rng = random.Random(11)
    bets = [(float(rng.randint(5, 50)), 0.0) for _ in range(120)]
    bets = [(stake, stake * (rng.choice([1.1, 0.9, 1.5]) if rng.random() < 0.5 else -1.0)) for stake, _ in bets]
    first = yield_interval(bets)
    assert first == yield_interval(list(bets))
    assert yield_interval(bets, seed=1) != first
    low, high = first
    observed = sum(p for _, p in bets) / sum(s for s, _ in bets)
    assert low < observed < high


def test_yield_interval_of_two_bets_is_their_own_yields():
    # Resamples of two bets are (a, a), (a, b), (b, a), (b, b): a quarter of them are all a and a
    # quarter all b, so the 2.5th and 97.5th percentiles are the two bets' own yields.
    assert yield_interval([(10.0, 9.0), (10.0, -10.0)]) == (-1.0, 0.9)
    assert yield_interval([(10.0, 9.0)]) is None


def test_yield_interval_of_many_bets_matches_the_normal_approximation():
    # 400 one-unit bets at evens, 220 won: yield 0.1, profit sd sqrt(1 - 0.1²), so by the central
    # limit theorem the 95% interval is 0.1 ± 1.96 · 0.99499 / 20 = [0.00249, 0.19751].
    bets = [(1.0, 1.0)] * 220 + [(1.0, -1.0)] * 180
    low, high = yield_interval(bets)
    half = 1.96 * math.sqrt(1 - 0.1**2) / math.sqrt(400)
    assert low == pytest.approx(0.1 - half, abs=0.01)
    assert high == pytest.approx(0.1 + half, abs=0.01)


def _holm_rejects(p_values: list[float], alpha: float) -> set[int]:
    """Holm's procedure as published (Holm 1979; Wikipedia's "Holm–Bonferroni method"): the smallest
    p-value against alpha / m, the next against alpha / (m - 1), ... until one fails."""
    rejected: set[int] = set()
    for rank, index in enumerate(sorted(range(len(p_values)), key=lambda i: p_values[i])):
        if p_values[index] > alpha / (len(p_values) - rank):
            break
        rejected.add(index)
    return rejected


def test_holm_rejects_as_the_published_example_does():
    # Wikipedia, "Holm–Bonferroni method", Example: four hypotheses at alpha = 0.05 with unadjusted
    # p-values 0.01, 0.04, 0.03 and 0.005: H1 and H4 are rejected, H2 and H3 are not.
    p_values = [0.01, 0.04, 0.03, 0.005]
    adjusted = holm(p_values)
    assert {i for i, p in enumerate(adjusted) if p <= 0.05} == {0, 3} == _holm_rejects(p_values, 0.05)
    # By hand: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04, then the running maximum.
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02], abs=1e-15)


def test_holm_adjusted_p_is_the_smallest_level_at_which_the_procedure_rejects():
    import random

    rng = random.Random(22)
    for _ in range(50):
        p_values = [rng.choice([rng.random(), rng.random() / 50, 1.0]) for _ in range(rng.randint(1, 12))]
        adjusted = holm(p_values)
        # The levels at which a decision can change are the products (m - rank) * p; between them the
        # procedure decides the same. An adjusted p-value is the lowest of them that rejects, at most 1.
        levels = sorted({(len(p_values) - r) * p for r, p in enumerate(sorted(p_values))})
        for index, value in enumerate(adjusted):
            smallest = next(a for a in levels if index in _holm_rejects(p_values, a * (1 + 1e-12)))
            assert value == pytest.approx(min(1.0, smallest), rel=1e-12)
        assert all(a >= p for a, p in zip(adjusted, p_values, strict=True))
    assert holm([]) == []
    assert holm([0.2]) == [0.2]
