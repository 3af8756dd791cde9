from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from opportunities.tests.factories import event_with, quotes

pytestmark = pytest.mark.django_db

KICKOFFS = {
    "Arsenal": datetime(2026, 11, 25, 0, 0, tzinfo=UTC),
    "Brentford": datetime(2026, 11, 25, 15, 0, tzinfo=UTC),
    "Celtics": datetime(2026, 11, 26, 1, 0, tzinfo=UTC),
}
DATETIME_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


@pytest.fixture
def matches() -> None:
    """Three past matches with a match result and totals, and one a month ahead."""
    for home, kickoff in KICKOFFS.items():
        h2h = quotes(home, {"bet365": {home: 2.1, "Draw": 3.4, "Away": 3.8}})
        totals = quotes(home, {"bet365": {"Over": 1.9, "Under": 1.9}}, market="totals", point=2.5)
        sport = "basketball_nba" if home == "Celtics" else "soccer_epl"
        event_with(home, h2h + totals, home=home, sport=sport, kickoff=kickoff)
    event_with(
        "Future",
        quotes("Future", {"bet365": {"Future": 2.0}}),
        home="Future",
        kickoff=timezone.now() + timedelta(days=30),
    )


def homes(auth_client, query: str) -> list[str]:
    body = auth_client.get(f"/api/odds/matches/?{query}").json()
    return [row["home_team"] for row in body["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Arsenal", "Brentford", "Celtics", "Future"]),
        ("sport=basketball_nba", ["Celtics"]),
        ("date_from=2026-11-25T00:00:00Z&date_to=2026-11-25T15:00:00Z", ["Arsenal", "Brentford"]),  # both ends in
        ("date_from=2026-11-25T17:45:00%2B17:45", ["Arsenal", "Brentford", "Celtics", "Future"]),  # 00:00 UTC
        ("date_to=2026-11-25T10:00:00", ["Arsenal"]),  # no offset: the site's time zone, UTC here
        ("date_to=2026-11-25", ["Arsenal"]),  # a date alone is its midnight, as DRF read it
        ("upcoming=true", ["Future"]),
        ("upcoming=YES", ["Future"]),
        ("upcoming=1", ["Future"]),
        ("upcoming=off", ["Arsenal", "Brentford", "Celtics", "Future"]),
        ("upcoming=", ["Arsenal", "Brentford", "Celtics", "Future"]),
        ("sport=&date_from=&date_to=&market=&upcoming=", ["Arsenal", "Brentford", "Celtics", "Future"]),
        ("sport=nope", []),
    ],
)
def test_matches_filters(auth_client, matches, query, expected):
    assert homes(auth_client, query) == expected


def test_a_market_picks_the_best_prices_shown_not_the_matches(auth_client, matches):
    body = auth_client.get("/api/odds/matches/", {"market": "totals"}).json()
    assert [(row["home_team"], sorted({p["market"] for p in row["best_prices"]})) for row in body["results"]] == [
        ("Arsenal", ["totals"]),
        ("Brentford", ["totals"]),
        ("Celtics", ["totals"]),
        ("Future", []),
    ]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("upcoming=null", {"upcoming": ["Must be a valid boolean."]}),
        ("upcoming=maybe", {"upcoming": ["Must be a valid boolean."]}),
        ("date_from=%EF%BC%92026-11-25T00:00:00Z", {"date_from": [DATETIME_ERROR]}),  # a full-width digit
        ("date_from=0001-01-01T00:00:00%2B05:00", {"date_from": ["Datetime value out of range."]}),
        ("date_from=2026-11-26T00:00:00Z&date_to=2026-11-25T00:00:00Z", {"date_to": ["must not be before date_from"]}),
        # as the serializer did, the order of the dates is checked once every value reads
        (
            "date_from=2026-11-26T00:00:00Z&date_to=2026-11-25T00:00:00Z&market=corners",
            {"market": ['"corners" is not a valid choice.']},
        ),
    ],
)
def test_matches_refuse_what_they_cannot_read(auth_client, matches, query, errors):
    response = auth_client.get(f"/api/odds/matches/?{query}")
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})


def test_filtered_matches_run_as_many_queries(auth_client, matches, django_assert_num_queries):
    # session + user, count, page of events, best prices
    with django_assert_num_queries(5):
        assert homes(auth_client, "sport=soccer_epl&date_from=2026-11-25T00:00:00Z&market=h2h&upcoming=false") == [
            "Arsenal",
            "Brentford",
            "Future",
        ]
