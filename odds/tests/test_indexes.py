"""The queries that read odds history and current prices use indexes, never a scan of the table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from odds.models import Event
from odds.providers.football_data import parse_file
from odds.selectors import best_prices, line_movement
from odds.tests.conftest import DATA

pytestmark = pytest.mark.django_db


def plans(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # tiny test tables: ask which index the plan can use
        for query in queries.captured_queries:
            if "odds_pricehistory" in query["sql"] or "odds_price" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                found.append("\n".join(row[0] for row in cursor.fetchall()))
        cursor.execute("RESET enable_seqscan")
    assert found
    return found


def test_line_movement_reads_history_through_an_index():
    from odds.ingest import ingest_snapshot

    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    event = Event.objects.get(home_team="Burnley")
    for plan in plans(lambda: line_movement(event)):
        if "odds_pricehistory" in plan:
            assert "Seq Scan on odds_pricehistory" not in plan
            # By selection (the key) or by the time range (BRIN): the planner picks either on a small table.
            assert "odds_pricehistory_pkey" in plan or "pricehistory_time_brin" in plan


def test_best_prices_read_current_prices_by_index():
    from odds.ingest import ingest_snapshot

    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    ids = list(Event.objects.values_list("pk", flat=True))
    for plan in plans(lambda: best_prices(ids)):
        assert "Seq Scan on odds_price " not in plan
        assert "odds_price_pkey" in plan
