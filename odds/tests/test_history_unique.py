"""Ingestion never writes the same observation twice, whatever order snapshots arrive in and however
many ingest at once (the database's key would refuse it; these check that ingestion never tries)."""

import copy
import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import connection, connections

from odds.ingest import ZERO, EventOdds, Quote, Snapshot, ingest_snapshot
from odds.models import H2H, Price, PriceHistory
from odds.providers.football_data import parse_file
from odds.providers.odds_api import ingest_odds, parse_odds
from odds.tests.conftest import DATA

DUPLICATES = """
SELECT count(*) FROM (
    SELECT 1 FROM odds_pricehistory GROUP BY selection_id, bookmaker_id, observed_at HAVING count(*) > 1
) d
"""


def duplicates() -> int:
    with connection.cursor() as cursor:
        cursor.execute(DUPLICATES)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_older_snapshot_ingested_twice_is_written_once(epl_jan15, epl_jan30):
    ingest_snapshot(snapshot=parse_odds(epl_jan30))
    first = ingest_snapshot(snapshot=parse_odds(epl_jan15))
    again = ingest_snapshot(snapshot=parse_odds(epl_jan15))
    assert first.history_written > 0
    assert again.history_written == 0
    assert duplicates() == 0


@pytest.mark.django_db
def test_opening_and_closing_prices_of_a_csv_imported_twice_are_written_once():
    snapshot = parse_file(DATA / "E0_2324_head.csv").snapshot
    first = ingest_snapshot(snapshot=snapshot)
    again = ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    assert first.history_written == PriceHistory.objects.count() > 0
    assert again.history_written == 0
    assert duplicates() == 0


@pytest.mark.django_db
def test_a_withdrawn_price_sent_again_is_not_written_again(epl_jan15):
    ingest_odds(epl_jan15)
    later = copy.deepcopy(epl_jan15)
    later[0]["bookmakers"].pop(0)
    market = later[0]["bookmakers"][0]["markets"][0]
    market["last_update"] = "2030-01-01T00:00:00Z"
    market["outcomes"][0]["price"] = round(market["outcomes"][0]["price"] + 0.5, 2)
    _, withdrawal = ingest_odds(later)
    assert withdrawal.withdrawn > 0
    rows = PriceHistory.objects.count()
    # A re-sent old response neither brings the withdrawn book's prices back nor writes them again.
    _, result = ingest_odds(copy.deepcopy(epl_jan15))
    assert (result.current_updated, result.history_written) == (0, 0)
    assert PriceHistory.objects.count() == rows
    assert duplicates() == 0


@pytest.mark.django_db
def test_the_same_outcome_twice_in_one_response_is_one_row():
    now = datetime(2026, 11, 1, 12, tzinfo=UTC)
    quotes = [
        Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal("2.000"), now),
        Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal("2.100"), now),
    ]
    event = EventOdds("odds_api", "e" * 32, "soccer_epl", "A", "B", now, quotes=quotes)
    result = ingest_snapshot(snapshot=Snapshot(events=[event]))
    assert result.history_written == 1
    assert PriceHistory.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingestions_of_one_snapshot_write_each_observation_once(epl_jan15, epl_jan30):
    # Existing selections; the writers are kept apart by the locks their event upserts take.
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    before = PriceHistory.objects.count()
    barrier = threading.Barrier(3)
    written: list[int] = []
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            snapshot = parse_odds(copy.deepcopy(epl_jan30))
            barrier.wait(timeout=10)
            written.append(ingest_snapshot(snapshot=snapshot).history_written)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ingest) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(written)[:2] == [0, 0]
    assert PriceHistory.objects.count() == before + max(written) > before
    assert duplicates() == 0


@pytest.mark.django_db
def test_one_batch_with_a_price_at_several_times_writes_its_changes_in_time_order():
    # As a football-data file gives opening and closing prices in one batch; here out of order, one
    # time in another zone, and an unchanged price in between that is no change.
    t0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
    t1 = datetime(2026, 11, 1, 15, tzinfo=timezone(timedelta(hours=2)))  # 13:00 UTC
    t2 = datetime(2026, 11, 1, 14, tzinfo=UTC)
    quotes = [
        Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal("2.200"), t2),
        Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal("2.000"), t0),
        Quote("bet365", H2H, "A", ZERO, ZERO, Decimal("1.950"), t0),
        Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal("2.000"), t1),
    ]
    event = EventOdds("odds_api", "f" * 32, "soccer_epl", "A", "B", t0, quotes=quotes)
    result = ingest_snapshot(snapshot=Snapshot(events=[event]))
    assert result.history_written == 3
    pinnacle = PriceHistory.objects.filter(bookmaker__key="pinnacle").order_by("observed_at")
    assert [(h.observed_at, h.price) for h in pinnacle] == [(t0, Decimal("2.000")), (t2, Decimal("2.200"))]
    current = {p.bookmaker.key: (p.price, p.observed_at) for p in Price.objects.select_related("bookmaker")}
    assert current == {"pinnacle": (Decimal("2.200"), t2), "bet365": (Decimal("1.950"), t0)}
    again = ingest_snapshot(snapshot=Snapshot(events=[event]))
    assert again.history_written == 0
    assert duplicates() == 0
