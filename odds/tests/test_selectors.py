"""An event's odds history is read in its window: the bounds are constants in the SQL, and the
series are those of the window, to the price."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.testing import history_bounds, history_queries
from odds.selectors import HISTORY_AFTER_KICKOFF, history_window, line_movement
from opportunities.tests.factories import h2h_event

pytestmark = pytest.mark.django_db

KICKOFF = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
LEAD = timedelta(days=120)  # ODDS_HISTORY_LEAD_DAYS by default


def priced_at(offset: timedelta, prices: dict[str, float]):
    """Pinnacle's prices ("H", "D", "A") observed (and collected) at ``offset`` from kick-off."""
    at = KICKOFF + offset
    return h2h_event("m1", {"pinnacle": prices}, kickoff=KICKOFF, observed_at=at, collected_at=at)


def test_the_window_runs_from_the_lead_before_kick_off_to_a_day_after(settings):
    assert history_window(KICKOFF) == (KICKOFF - LEAD, KICKOFF + HISTORY_AFTER_KICKOFF)
    assert timedelta(days=1) == HISTORY_AFTER_KICKOFF
    settings.ODDS_HISTORY_LEAD_DAYS = 30
    assert history_window(KICKOFF) == (KICKOFF - timedelta(days=30), KICKOFF + timedelta(days=1))


@pytest.mark.parametrize("bucket", [None, timedelta(hours=1)])
def test_line_movement_names_its_window_in_the_sql(bucket):
    event = priced_at(-timedelta(days=3), {"H": 2.0, "D": 3.5, "A": 4.0})
    with CaptureQueriesContext(connection) as queries:
        line_movement(event, bucket=bucket)
    [sql] = history_queries(queries.captured_queries)
    assert history_bounds(sql) == {">=": [KICKOFF - LEAD], "<=": [KICKOFF + timedelta(days=1)]}


def test_a_later_since_moves_the_start_of_the_window():
    event = priced_at(-timedelta(days=3), {"H": 2.0, "D": 3.5, "A": 4.0})
    since = KICKOFF - timedelta(days=2)
    with CaptureQueriesContext(connection) as queries:
        line_movement(event, since=since)
        line_movement(event, since=KICKOFF - timedelta(days=365))  # earlier than the window: the window
    first, second = history_queries(queries.captured_queries)
    assert history_bounds(first) == {">=": [since], "<=": [KICKOFF + timedelta(days=1)]}
    assert history_bounds(second) == {">=": [KICKOFF - LEAD], "<=": [KICKOFF + timedelta(days=1)]}


def test_line_movement_reads_the_window_to_its_edges_and_nothing_outside():
    priced_at(-LEAD - timedelta(minutes=1), {"H": 2.50})  # a minute too early
    priced_at(-LEAD, {"H": 2.40, "D": 3.50, "A": 4.00})  # the first moment of the window
    priced_at(-timedelta(days=3), {"H": 2.30})
    priced_at(-timedelta(hours=1), {"H": 2.20})
    priced_at(timedelta(hours=2), {"H": 2.10})  # in play
    priced_at(timedelta(days=1), {"H": 2.00})  # the last moment of the window
    event = priced_at(timedelta(days=1, minutes=1), {"H": 1.90})  # a minute too late
    with time_machine.travel(KICKOFF + timedelta(days=2), tick=False):
        series = {s.outcome: s for s in line_movement(event)}
    home = series["Home"]
    assert home.points == [
        (KICKOFF - LEAD, Decimal("2.400")),
        (KICKOFF - timedelta(days=3), Decimal("2.300")),
        (KICKOFF - timedelta(hours=1), Decimal("2.200")),
        (KICKOFF + timedelta(hours=2), Decimal("2.100")),
        (KICKOFF + timedelta(days=1), Decimal("2.000")),
    ]
    assert (home.opening_price, home.closing_price) == (Decimal("2.400"), Decimal("2.200"))
    assert series["Draw"].points == [(KICKOFF - LEAD, Decimal("3.500"))]
    assert (series["Away"].opening_price, series["Away"].closing_price) == (Decimal("4.000"), Decimal("4.000"))
