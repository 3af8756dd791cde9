"""The closing line scans the event's history from its window's start to kick-off, and nothing else."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bets.closing import ClosingLine, closing_line
from bets.services import place_bet
from bets.tests.factories import BetInputFactory
from devtools.testing import history_bounds, history_queries
from opportunities.pricing import devig
from opportunities.tests.factories import NOW, h2h_event

pytestmark = pytest.mark.django_db

LEAD = timedelta(days=120)  # ODDS_HISTORY_LEAD_DAYS by default


def bet_on(event, outcome: str, bookmaker: str = "bet365", price: str = "2.100"):
    return place_bet(bet=BetInputFactory(event=event, outcome=outcome, bookmaker=bookmaker, price=price))


def test_the_closing_scan_is_bounded_by_the_window_and_kick_off(event):
    bet = bet_on(event, "Arsenal")
    with CaptureQueriesContext(connection) as queries:
        line = closing_line(bet)
    [sql] = history_queries(queries.captured_queries)
    assert history_bounds(sql) == {">=": [event.commence_time - LEAD], "<=": [event.commence_time]}
    fair = devig([4.00, 3.60, 2.00], "shin")[2]  # Pinnacle, Shin; name order Away, Draw, Home
    assert line == ClosingLine(Decimal("2.100"), Decimal(repr(fair)).quantize(Decimal("0.000001")), "")


def test_a_price_last_changed_before_the_window_is_no_closing_line():
    kickoff = NOW + timedelta(days=1)
    stale = kickoff - LEAD - timedelta(hours=1)
    h2h_event("old", {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}}, kickoff=kickoff, observed_at=stale)
    event = h2h_event("old", {"bet365": {"H": 2.10, "D": 3.40, "A": 3.80}}, kickoff=kickoff, observed_at=NOW)
    line = closing_line(bet_on(event, "Home"))
    assert line == ClosingLine(Decimal("2.100"), None, "no complete closing line from pinnacle")
