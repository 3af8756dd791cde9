"""The store's reads for calibration: finished events' lines, and every book's first and last price
of each selection from the history window's start to kick-off, read slice by slice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from odds import store
from odds.models import Bookmaker, Selection, Sport
from odds.tests.factories import NOW, EventOddsFactory, ingest
from opportunities.tests.factories import quotes

pytestmark = pytest.mark.django_db
LEAD = timedelta(days=120)


def observe(provider_id: str, kickoff, at: timedelta, prices: dict, score: tuple[int, int] | None = None) -> None:
    event = EventOddsFactory(
        provider_id=provider_id, commence_time=kickoff, quotes=quotes("Home", prices, observed_at=kickoff + at)
    )
    if score is not None:
        event.home_score, event.away_score, event.completed = *score, True
    ingest(event, collected_at=kickoff + at)


def test_opening_and_closing_prices_of_finished_events_in_every_slice():
    first, second, third = NOW - timedelta(days=200), NOW - timedelta(days=150), NOW - timedelta(days=20)
    for name, kickoff in (("a", first), ("b", second), ("c", third)):
        observe(
            name, kickoff, -timedelta(days=130), {"pinnacle": {"Home": 9.0, "Draw": 9.0, "Away": 9.0}}
        )  # before the lead
        observe(name, kickoff, -timedelta(days=3), {"pinnacle": {"Home": 2.0, "Draw": 3.5, "Away": 4.0}})
        observe(name, kickoff, -timedelta(hours=1), {"pinnacle": {"Home": 2.1, "Draw": 3.4, "Away": 3.8}})
        observe(name, kickoff, timedelta(0), {"market_avg": {"Home": 2.2, "Draw": 3.3, "Away": 3.6}})  # an aggregate
        observe(name, kickoff, timedelta(minutes=20), {"pinnacle": {"Home": 1.5, "Draw": 4.0, "Away": 7.0}}, (1, 0))
    observe("later", NOW + timedelta(days=1), -timedelta(days=1), {"pinnacle": {"Home": 2.0, "Draw": 3.5, "Away": 4.0}})
    sport = Sport.objects.get(key="soccer_epl").pk
    with CaptureQueriesContext(connection) as queries:
        read = store.opening_and_closing_prices(sport_id=sport, lead=LEAD)
    # The kick-off times, then a slice each: a and b kick off 50 days apart, more than one slice.
    assert len(queries) == 1 + 3
    pinnacle = Bookmaker.objects.get(key="pinnacle").pk
    outcome = dict(Selection.objects.values_list("id", "outcome"))
    event = dict(Selection.objects.values_list("id", "event__provider_id"))
    got = {(event[r.selection_id], outcome[r.selection_id]): r for r in read}
    assert {r.bookmaker_id for r in read} == {pinnacle}
    assert sorted(got) == [(e, o) for e in "abc" for o in ("Away", "Draw", "Home")]
    kickoffs = {"a": first, "b": second, "c": third}
    for (name, side), row in got.items():
        opening, closing = {"Home": (2.0, 2.1), "Draw": (3.5, 3.4), "Away": (4.0, 3.8)}[side]
        assert (row.opening_price, row.closing_price) == (opening, closing)
        assert (row.opened_at, row.closed_at) == (
            kickoffs[name] - timedelta(days=3),
            kickoffs[name] - timedelta(hours=1),
        )


def test_finished_selections_carry_the_result():
    observe("a", NOW - timedelta(days=5), -timedelta(hours=1), {"pinnacle": {"Home": 2.0, "Away": 2.0}}, (2, 2))
    observe("b", NOW + timedelta(days=5), -timedelta(hours=1), {"pinnacle": {"Home": 2.0, "Away": 2.0}})
    rows = store.finished_selections(sport_id=Sport.objects.get(key="soccer_epl").pk)
    assert [(r.outcome, r.market, r.line, r.home_score, r.away_score) for r in rows] == [
        ("Away", "h2h", Decimal("0.00"), 2, 2),
        ("Home", "h2h", Decimal("0.00"), 2, 2),
    ]
