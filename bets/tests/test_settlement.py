from decimal import Decimal

import pytest

from bets.settlement import CannotSettle, outcome_status, profit

D = Decimal


def status(market, outcome, point, home, away):
    return outcome_status(
        market=market,
        outcome=outcome,
        point=None if point is None else D(point),
        home_team="Arsenal",
        away_team="Chelsea",
        home_score=home,
        away_score=away,
    )


@pytest.mark.parametrize(
    ("outcome", "home", "away", "expected"),
    [
        ("Arsenal", 2, 1, "won"),
        ("Arsenal", 1, 1, "lost"),
        ("Draw", 1, 1, "won"),
        ("Draw", 0, 1, "lost"),
        ("Chelsea", 0, 1, "won"),
        ("Chelsea", 3, 1, "lost"),
    ],
)
def test_match_result(outcome, home, away, expected):
    assert status("h2h", outcome, None, home, away) == expected


@pytest.mark.parametrize(
    ("outcome", "point", "home", "away", "expected"),
    [
        ("Arsenal", "-0.5", 1, 0, "won"),
        ("Arsenal", "-0.5", 1, 1, "lost"),
        ("Arsenal", "-1", 1, 0, "push"),  # whole line landing exactly: stake back
        ("Arsenal", "-1", 2, 0, "won"),
        ("Arsenal", "-0.25", 1, 1, "half_lost"),  # -0 pushes, -0.5 loses
        ("Arsenal", "-0.25", 2, 1, "won"),
        ("Arsenal", "-0.75", 1, 0, "half_won"),  # -0.5 wins, -1 pushes
        ("Arsenal", "-0.75", 2, 0, "won"),
        ("Arsenal", "-1.25", 1, 0, "half_lost"),  # -1 pushes, -1.5 loses
        ("Chelsea", "+0.25", 1, 1, "half_won"),  # 0 pushes, +0.5 wins
        ("Chelsea", "+0.75", 1, 0, "half_lost"),  # +0.5 loses, +1 pushes
        ("Chelsea", "+1.5", 2, 1, "won"),
        ("Chelsea", "0", 1, 1, "push"),
    ],
)
def test_handicaps_including_quarter_lines(outcome, point, home, away, expected):
    assert status("spreads", outcome, point, home, away) == expected


@pytest.mark.parametrize(
    ("outcome", "point", "home", "away", "expected"),
    [
        ("Over", "2.5", 2, 1, "won"),
        ("Over", "2.5", 1, 1, "lost"),
        ("Under", "2.5", 1, 1, "won"),
        ("Over", "3", 2, 1, "push"),
        ("Under", "3", 2, 1, "push"),
        ("Over", "2.25", 1, 1, "half_lost"),
        ("Over", "2.75", 2, 1, "half_won"),
        ("Under", "2.25", 1, 1, "half_won"),
        ("Under", "2.75", 2, 1, "half_lost"),
        ("Over", "2.75", 3, 1, "won"),
    ],
)
def test_totals_including_quarter_lines(outcome, point, home, away, expected):
    assert status("totals", outcome, point, home, away) == expected


@pytest.mark.parametrize(
    ("result", "price", "stake", "expected"),
    [
        ("won", "2.100", "10.00", "11.00"),
        ("lost", "2.100", "10.00", "-10.00"),
        ("push", "2.1", "10", "0.00"),
        ("void", "2.1", "10", "0.00"),
        ("half_won", "1.950", "10.00", "4.75"),
        ("half_lost", "1.95", "10.00", "-5.00"),
        ("half_won", "1.955", "10.00", "4.78"),
        ("won", "1.333", "33.33", "11.10"),
    ],
)
def test_profit_to_the_cent(result, price, stake, expected):
    assert profit(result, price=D(price), stake=D(stake)) == D(expected)


def test_what_cannot_be_settled_says_why():
    with pytest.raises(CannotSettle, match="outcome 'Spurs' is neither 'Arsenal', 'Chelsea' nor 'Draw'"):
        status("h2h", "Spurs", None, 1, 0)
    with pytest.raises(CannotSettle, match="a totals bet needs a point"):
        status("totals", "Over", None, 1, 0)
