"""Pricing against published numbers and by its properties. No database."""

import itertools
import math
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from opportunities.pricing import (
    METHODS,
    InvalidOdds,
    clv,
    devig,
    edge,
    kelly,
    locked_return,
    margin,
    net_price,
    shin_z,
    surebet,
)

# Source: penaltyblog (MIT), test/test_implied.py: odds [2.7, 2.3, 4.4] and the probabilities its
# implementations of each method return, to 4 decimal places (there they are compared with
# assertAlmostEqual(..., 4)). Its methods follow the R package `implied` by Jonas Lindstrom.
PUBLISHED = {
    "multiplicative": [0.358738, 0.4211273, 0.2201347],
    "additive": [0.3595618, 0.423974, 0.2164642],
    "power": [0.3591708, 0.4237291, 0.2171001],
    "shin": [0.3593461, 0.4232517, 0.2174022],
    "odds_ratio": [0.3588103, 0.4225611, 0.2186286],
}


@pytest.mark.parametrize("method", METHODS)
def test_devig_matches_published_values(method):
    assert devig([2.7, 2.3, 4.4], method) == pytest.approx(PUBLISHED[method], abs=5e-5)


@pytest.mark.parametrize("method", METHODS)
def test_a_symmetric_two_way_market_is_fifty_fifty(method):
    assert devig([1.91, 1.91], method) == pytest.approx([0.5, 0.5], abs=1e-12)


def test_margin_of_a_real_market():
    # Pinnacle's opening 1X2 for Burnley v Man City, 11 Aug 2023 (football-data.co.uk, PSH/PSD/PSA).
    assert margin([8.58, 5.51, 1.37]) == pytest.approx(1 / 8.58 + 1 / 5.51 + 1 / 1.37 - 1)
    assert margin([8.58, 5.51, 1.37]) == pytest.approx(0.02797, abs=1e-5)


def test_shin_z_is_zero_without_margin_and_positive_with_one():
    assert shin_z([2.0, 2.0]) == pytest.approx(0.0, abs=1e-9)
    assert 0 < shin_z([2.7, 2.3, 4.4]) < 0.1


def test_shin_takes_more_margin_from_the_long_shot_than_normalisation():
    odds = [1.2, 6.0, 15.0]
    assert devig(odds, "shin")[2] < devig(odds, "multiplicative")[2]
    assert devig(odds, "power")[2] < devig(odds, "multiplicative")[2]


def test_additive_refuses_when_a_long_shot_would_go_negative():
    with pytest.raises(InvalidOdds, match="additive method gives outcome 2 a probability <= 0"):
        devig([1.05, 8.0, 60.0], "additive")


@pytest.mark.parametrize(
    ("odds", "message"),
    [
        ([1.0, 2.0], "outcome 0: price 1.0 must be above 1.0"),
        ([2.0, 0.5], "outcome 1: price 0.5 must be above 1.0"),
        ([2.0, float("nan")], "outcome 1: price nan is not finite"),
        ([2.0, float("inf")], "outcome 1: price inf is not finite"),
        ([2.0, "x"], "outcome 1: price 'x' is not a number"),
        ([2.0], "a market needs at least two outcomes, got 1"),
    ],
)
def test_invalid_odds_are_refused(odds, message):
    with pytest.raises(InvalidOdds) as caught:
        devig(odds)
    assert str(caught.value) == message


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown devig method 'magic'"):
        devig([2.0, 2.0], "magic")


def test_edge_kelly_clv_formulas():
    assert edge(2.2, 0.5) == pytest.approx(0.1)
    assert edge(1.8, 0.5) == pytest.approx(-0.1)
    # Kelly: b = 1.2, p = 0.5: (1.2 * 0.5 - 0.5) / 1.2 = 1/12.
    assert kelly(2.2, 0.5) == pytest.approx(1 / 12)
    assert kelly(2.2, 0.5, 0.25) == pytest.approx(1 / 48)
    assert kelly(2.2, 0.5, cap=0.05) == 0.05
    assert kelly(1.8, 0.5) == 0.0
    assert clv(2.10, 0.5) == pytest.approx(0.05)
    assert clv(2.00, 0.45) == pytest.approx(-0.10)


def test_surebet_shares_lock_the_same_return():
    prices = [2.10, 2.10]
    shares = surebet(prices)
    assert shares == pytest.approx([0.5, 0.5])
    assert locked_return(prices) == pytest.approx(0.05)
    returns = [share * price for share, price in zip(shares, prices, strict=True)]
    assert returns == pytest.approx([1.05, 1.05])
    three = [3.6, 3.9, 3.1]
    shares = surebet(three)
    assert [s * p for s, p in zip(shares, three, strict=True)] == pytest.approx([1 + locked_return(three)] * 3)
    assert surebet([1.9, 1.9]) is None


@st.composite
def bookmaker_markets(draw) -> list[float]:
    """A market as a bookmaker prices it: true probabilities, a margin of 0-20% spread unevenly."""
    weights = draw(st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=2, max_size=6))
    total = sum(weights)
    overround = draw(st.floats(min_value=0.0, max_value=0.20))
    skew = [draw(st.floats(min_value=0.98, max_value=1.02)) for _ in weights]
    odds = [1 / min(w / total * (1 + overround) * k, 0.995) for w, k in zip(weights, skew, strict=True)]
    assume(0.0 <= margin(odds) <= 0.20)
    return odds


@settings(max_examples=300, deadline=None)
@given(odds=bookmaker_markets(), method=st.sampled_from(METHODS))
def test_probabilities_are_proper_and_keep_the_order(odds, method):
    try:
        probabilities = devig(odds, method)
    except InvalidOdds:
        assert method == "additive"  # the only method that may refuse a long shot
        return
    assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-9)
    assert all(0 < p < 1 for p in probabilities)
    by_price = sorted(range(len(odds)), key=lambda i: odds[i])
    for shorter, longer in itertools.pairwise(by_price):
        if odds[shorter] < odds[longer]:
            assert probabilities[shorter] >= probabilities[longer] - 1e-12


@settings(max_examples=200, deadline=None)
@given(
    probabilities=st.lists(st.floats(min_value=0.02, max_value=1.0), min_size=2, max_size=5),
    method=st.sampled_from(METHODS),
)
def test_zero_margin_returns_the_inverse_odds(probabilities, method):
    total = sum(probabilities)
    fair = [p / total for p in probabilities]
    odds = [1 / p for p in fair]
    assume(all(o > 1.0 for o in odds))
    assert devig(odds, method) == pytest.approx(fair, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    probabilities=st.lists(st.floats(min_value=0.05, max_value=1.0), min_size=2, max_size=5),
    underround=st.floats(min_value=0.005, max_value=0.08),
    method=st.sampled_from(["power", "shin", "odds_ratio"]),
)
def test_an_underround_market_is_solved_too(probabilities, underround, method):
    # Prices that pay back more than staked across all outcomes (a booksum under 1, as where two
    # bookmakers' best prices are combined): the solvers search the other side of their parameter.
    total = sum(probabilities)
    odds = [1 / (p / total * (1 - underround)) for p in probabilities]
    fair = devig(odds, method)
    assert math.isclose(sum(fair), 1.0, abs_tol=1e-9)
    # Filling an underround raises every probability above its implied one.
    assert all(f > 1 / o - 1e-12 for f, o in zip(fair, odds, strict=True))


def test_a_fair_market_whose_booksum_rounds_below_one_is_still_solved():
    # sum(1 / o) is 0.9999999999999999 here while Shin's total at z = 0 comes out 2.2e-16 above 1: the
    # side searched must follow the function, not the booksum (found among 20,000 random markets).
    odds = [2.2450123144670444, 2.4524821347268317, 6.811154971894132]
    assert sum(1 / o for o in odds) < 1
    assert shin_z(odds) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    home=st.floats(min_value=1.01, max_value=60.0),
    away=st.floats(min_value=1.01, max_value=60.0),
)
def test_two_way_shin_in_closed_form_solves_shins_equations(home, away):
    # Shin's probabilities of a two-way market are taken in closed form (the additive ones); they must
    # satisfy the model's equation for both outcomes with the z that the solver finds for it.
    pi = [1 / home, 1 / away]
    booksum = sum(pi)
    assume(0.8 < booksum < 1.3 and abs(booksum - 1) > 1e-9)
    z = shin_z([home, away])
    fair = devig([home, away], "shin")
    for p, implied_p in zip(fair, pi, strict=True):
        assert p == pytest.approx(implied_p - (booksum - 1) / 2, abs=1e-15)
        assert p == pytest.approx(
            (math.sqrt(z * z + 4 * (1 - z) * implied_p**2 / booksum) - z) / (2 * (1 - z)), abs=1e-9
        )


def test_net_price_takes_the_commission_from_the_winnings_only():
    # A back bet at 3.00 with 5% commission: 2.00 won per unit, 0.10 of it kept, so 2.90 returned.
    assert net_price(Decimal("3.00"), Decimal("0.05")) == Decimal("2.9000")
    assert net_price(3.0, 0.05) == pytest.approx(2.9)
    assert net_price(Decimal("1.50"), Decimal("0")) == Decimal("1.50")
