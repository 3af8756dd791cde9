"""The verdict's sentence, from the figures of ``stats.formulas`` on hand-made CLVs."""

from stats.formulas import clv_significance
from stats.verdict import verdict_sentence

CLVS = [0.031, -0.012, 0.054, 0.008, 0.022, -0.027, 0.041, 0.015, 0.003, 0.036, -0.005]  # mean 0.01509


def test_the_verdict_in_a_sentence():
    assert verdict_sentence(clv_significance(CLVS)) == (
        f"Your average CLV of +1.5% over 11 bets is unlikely to be luck (p = {clv_significance(CLVS).p_value:.3g})."
    )
    maybe = clv_significance([0.02, -0.01, 0.03, -0.02, 0.01])
    assert maybe.p_value > 0.05
    assert verdict_sentence(maybe) == (
        f"Your average CLV of +0.6% over 5 bets could still be luck (p = {maybe.p_value:.3g}); "
        "about 28 more bets at this CLV would tell."
    )
    negative = clv_significance([-0.02, 0.01, -0.03])
    assert verdict_sentence(negative, subject="The backtest's average CLV") == (
        f"The backtest's average CLV of −1.3% over 3 bets does not beat the closing line (p = {negative.p_value:.3g})."
    )
    strong = clv_significance([0.05 + i / 1000 for i in range(30)])
    assert verdict_sentence(strong).endswith("is unlikely to be luck (p < 0.001).")
    assert (
        verdict_sentence(clv_significance([0.03]))
        == "One bet with a valid CLV (+3.0%) is too few to tell skill from luck."
    )
    assert verdict_sentence(clv_significance([])) == "No bet has a valid CLV yet: there is nothing to judge."
