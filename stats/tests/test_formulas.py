import math

import pytest

from stats.formulas import longest_run, max_drawdown, significance


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
