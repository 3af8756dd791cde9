"""Team names across sources (odds/teams.py): pure, no database."""

import pytest

from odds.teams import SAME_TEAM, normalised, same_team, similarity


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Man United", "manchester united"),
        ("Manchester Utd FC", "manchester united"),
        ("Wolves", "wolverhampton wanderers"),
        ("Nott'm Forest", "nottingham forest"),
        ("AFC Bournemouth", "bournemouth"),
        ("Atlético Madrid", "atletico madrid"),
        ("Bodø/Glimt", "bodo glimt"),
        ("Brighton & Hove Albion", "brighton and hove albion"),
        ("Borussia Mönchengladbach", "borussia monchengladbach"),
        ("1. FC Köln", "1 koln"),
        ("St. Pauli", "saint pauli"),
    ],
)
def test_a_name_is_normalised_to_plain_words(name, expected):
    assert normalised(name) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Man United", "Manchester United"),
        ("Wolves", "Wolverhampton Wanderers"),
        ("Spurs", "Tottenham Hotspur"),
        ("Tottenham", "Tottenham Hotspur"),
        ("Newcastle", "Newcastle United"),
        ("Brighton", "Brighton and Hove Albion"),
        ("Sheffield Utd", "Sheffield United"),
        ("Bayern Munich", "Bayern München"),
        ("Tottenham Hotspurs", "Tottenham Hotspur"),
    ],
)
def test_the_same_team_under_two_names(first, second):
    assert same_team(first, second)


@pytest.mark.parametrize(
    ("first", "second", "score"),
    [
        ("Man United", "Manchester City", 81.25),
        ("Sheffield United", "Sheffield Wednesday", 74.29),
        ("Real Madrid", "Real Sociedad", 58.33),
        ("United", "Manchester United", 52.17),  # shares only a word many clubs have
        ("Man City", "Leicester City", 75.86),
        ("Arsenal", "Chelsea", 42.86),
        ("", "Arsenal", 0.0),
    ],
)
def test_other_teams_score_below_the_threshold(first, second, score):
    assert similarity(first, second) == pytest.approx(score, abs=0.01)
    assert similarity(first, second) < SAME_TEAM
