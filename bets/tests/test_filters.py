import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bets.models import Bet
from bets.services import place_bet, settle_bet
from bets.tests.factories import BetInputFactory
from opportunities.tests.factories import h2h_event

pytestmark = pytest.mark.django_db

PRICES = {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}, "williamhill": {"H": 2.0, "D": 3.5, "A": 3.9}}
# label: sport, bookmaker, strategy, placed at (UTC), status
BETS = {
    "epl-won": ("soccer_epl", "bet365", "alpha", datetime(2026, 11, 21, 21, 0, tzinfo=UTC), "won"),
    "epl-pending": ("soccer_epl", "bet365", "alpha", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), "pending"),
    "epl-lost": ("soccer_epl", "williamhill", "beta", datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "lost"),
    "nba-pending": ("basketball_nba", "williamhill", "", datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "pending"),
    "nba-void": ("basketball_nba", "bet365", "beta", datetime(2026, 11, 20, 12, 0, tzinfo=UTC), "void"),
}
DATETIME_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
EVERY_BET = ["nba-pending", "epl-pending", "epl-lost", "epl-won", "nba-void"]  # pending first, newest first


@pytest.fixture
def bets() -> dict[int, str]:
    """The bets above, by id: their labels."""
    labels = {}
    for i, (label, (sport, bookmaker, strategy, placed_at, status)) in enumerate(BETS.items()):
        event = h2h_event(f"f{i}", PRICES, home=f"Home {i}", away=f"Away {i}", sport=sport)
        placing = BetInputFactory(
            event=event, bookmaker=bookmaker, price="2.000", placed_at=placed_at, strategy_name=strategy
        )
        bet = place_bet(bet=placing)
        if status != Bet.PENDING:
            settle_bet(bet=bet, status=status, via="form")
        labels[bet.pk] = label
    return labels


def listed(auth_client, query: str, bets: dict[int, str]) -> dict[str, Any]:
    """The labels of the bets that the page, its CSV export and the API list for one query string."""
    page = auth_client.get(f"/bets/?{query}").content.decode()
    export = b"".join(auth_client.get(f"/bets/export.csv?{query}").streaming_content).decode()
    api = auth_client.get(f"/api/bets/?{query}").json()
    totals = re.search(r'id="bet-totals">(\d+) bets', page).group(1)
    return {
        "page": [bets[int(pk)] for pk in re.findall(r'<tr id="bet-(\d+)">', page)],
        "totals": int(totals),
        "csv": [bets[int(row[0])] for row in list(csv.reader(io.StringIO(export)))[1:]],
        "api": [bets[row["id"]] for row in api["results"]],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", EVERY_BET),
        ("status=pending", ["nba-pending", "epl-pending"]),
        ("status=settled&sport=soccer_epl", ["epl-lost", "epl-won"]),
        ("bookmaker=williamhill", ["nba-pending", "epl-lost"]),
        ("strategy=beta", ["epl-lost", "nba-void"]),
        ("date_from=2026-11-22&date_to=2026-11-22", ["epl-pending", "epl-lost"]),  # a date is its whole day
        ("date_to=2026-11-22T10:00:00Z", ["epl-pending", "epl-won", "nba-void"]),  # a time is that instant
        ("sport=basketball_nba&date_from=2026-11-21", ["nba-pending"]),
        ("status=&sport=&bookmaker=&strategy=&date_from=&date_to=", EVERY_BET),  # what the filter bar sends
        ("sport=nope", []),  # an unknown key lists nothing, on the page too
    ],
)
def test_the_page_its_export_and_the_api_list_the_same_bets(auth_client, bets, query, expected):
    assert listed(auth_client, query, bets) == {
        "page": expected,
        "totals": len(expected),
        "csv": expected,
        "api": expected,
    }


def test_a_date_is_a_day_in_the_sites_time_zone(auth_client, bets, settings):
    settings.TIME_ZONE = "Australia/Sydney"  # UTC+11 in November: the 22nd is 21 Nov 13:00 to 22 Nov 13:00 UTC
    expected = ["epl-pending", "epl-won"]
    query = "date_from=2026-11-22&date_to=2026-11-22"
    assert listed(auth_client, query, bets) == {"page": expected, "totals": 2, "csv": expected, "api": expected}


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("status=bogus", {"status": ['"bogus" is not a valid choice.']}),
        ("status=pending&date_from=yesterday", {"date_from": [DATETIME_ERROR]}),
        ("date_to=%EF%BC%92026-11-22", {"date_to": [DATETIME_ERROR]}),  # a full-width digit
        ("date_from=2026-02-30", {"date_from": [DATETIME_ERROR]}),
    ],
)
def test_a_value_the_filters_cannot_read(auth_client, bets, query, errors):
    """The API answers 400 naming the parameter; the page lists every bet, as it always has."""
    response = auth_client.get(f"/api/bets/?{query}")
    assert (response.status_code, response.json()) == (400, {"detail": "Invalid input.", "errors": errors})
    page = auth_client.get(f"/bets/?{query}").content.decode()
    assert [bets[int(pk)] for pk in re.findall(r'<tr id="bet-(\d+)">', page)] == EVERY_BET


def test_filters_look_nothing_up(auth_client, bets, django_assert_num_queries):
    # session, user, count, page: as unfiltered, whatever the keys given
    with django_assert_num_queries(4):
        body = auth_client.get("/api/bets/", {"sport": "soccer_epl", "bookmaker": "bet365", "strategy": "alpha"}).json()
    assert [bets[row["id"]] for row in body["results"]] == ["epl-pending", "epl-won"]


def test_the_filter_bar_keeps_its_fields_and_choices(auth_client, bets):
    html = auth_client.get("/bets/", {"status": "settled", "sport": "soccer_epl", "date_from": "2026-11-22"})
    bar = re.search(r'<form class="filters bet-filters" method="get".*?</form>', html.content.decode(), re.S).group(0)
    assert re.findall(r"<label>([^<]+)<(?:select|input)[^>]* name=\"(\w+)\"", bar) == [
        ("Status", "status"),
        ("Sport", "sport"),
        ("Bookmaker", "bookmaker"),
        ("Strategy", "strategy"),
        ("Date from", "date_from"),
        ("Date to", "date_to"),
    ]
    assert re.findall(r'<option value="([^"]*)"( selected)?>([^<]+)</option>', bar) == [
        ("", "", "All"),
        ("settled", " selected", "Settled"),
        *[(status, "", label) for status, label in Bet.STATUSES],
        ("", "", "All sports"),
        ("basketball_nba", "", "basketball_nba"),
        ("soccer_epl", " selected", "soccer_epl"),
        ("", " selected", "All bookmakers"),
        ("pinnacle", "", "Pinnacle"),
        ("bet365", "", "bet365"),
        ("williamhill", "", "williamhill"),
    ]
    assert '<input type="date" name="date_from" value="2026-11-22" id="filter_date_from">' in bar
