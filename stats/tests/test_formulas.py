import math
import random
import statistics

import pytest

from stats.formulas import (
    Forecast,
    bootstrap_means,
    brier,
    log_loss,
    longest_run,
    max_drawdown,
    percentile_interval,
    ranked_probability,
    reliability,
    significance,
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
