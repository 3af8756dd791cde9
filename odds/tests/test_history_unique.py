"""Odds history has no unique index (see ``PriceHistory``): ingestion itself must never write the same
observation twice, whatever order snapshots arrive in and however many ingest at once."""

import copy
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, connections

from odds.ingest import ZERO, EventOdds, Quote, Snapshot, ingest_snapshot
from odds.models import H2H, PriceHistory
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
    # The withdrawn book's prices come back unchanged in a re-sent old response: no current price to
    # compare with, but the same observations are in history already.
    _, result = ingest_odds(copy.deepcopy(epl_jan15))
    assert result.current_updated > 0
    assert PriceHistory.objects.count() == rows + result.history_written
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
    # Existing selections, so no unique-index wait on new ones. The writers are kept apart by the
    # ingest lock (and by the locks their event upserts take first): this checks the outcome.
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
