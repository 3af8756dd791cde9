"""A bookmaker market whose ``last_update`` is the one stored is counted, not parsed."""

import copy

import pytest

from odds.markets import MARKET_KEYS
from odds.models import Event, Price, PriceHistory
from odds.providers.odds_api import ingest_odds

pytestmark = pytest.mark.django_db


def test_an_unchanged_response_is_counted_not_parsed(epl_jan15):
    ingest_odds(epl_jan15)
    collected = dict(Event.objects.values_list("provider_id", "last_collected_at"))
    snapshot, result = ingest_odds(copy.deepcopy(epl_jan15))
    assert (result.history_written, result.current_updated, result.withdrawn) == (0, 0, 0)
    assert result.prices_seen == snapshot.unchanged == 842
    assert snapshot.quote_count == 0
    ours = [m for e in epl_jan15 for b in e["bookmakers"] for m in b["markets"] if m["key"] in MARKET_KEYS]
    assert len(snapshot.unchanged_markets) == len(ours)
    assert PriceHistory.objects.count() == 842
    assert all(Event.objects.get(provider_id=key).last_collected_at > at for key, at in collected.items())


def test_a_changed_market_is_parsed_and_the_rest_of_its_event_is_not(epl_jan15):
    ingest_odds(epl_jan15)
    later = copy.deepcopy(epl_jan15)
    book = later[3]["bookmakers"][2]
    market = book["markets"][0]
    market["last_update"] = "2030-01-01T00:00:00Z"
    market["outcomes"][0]["price"] = round(market["outcomes"][0]["price"] + 0.25, 2)
    snapshot, result = ingest_odds(later)
    # Only the changed market was parsed; the other events and markets were skipped as unchanged.
    assert [len(e.quotes) for e in snapshot.events] == [len(market["outcomes"]) if i == 3 else 0 for i in range(15)]
    assert result.prices_seen == 842
    assert result.history_written == 1
    moved = Price.objects.get(
        selection__event__provider_id=later[3]["id"],
        selection__market=market["key"],
        selection__outcome=market["outcomes"][0]["name"],
        selection__point=market["outcomes"][0].get("point", 0),
        bookmaker__key=book["key"],
    )
    assert float(moved.price) == market["outcomes"][0]["price"]
    again = ingest_odds(copy.deepcopy(later))
    assert (again[0].quote_count, again[1].prices_seen, again[1].history_written) == (0, 842, 0)


def test_rejected_parts_are_reported_on_every_collection(epl_jan15):
    body = copy.deepcopy(epl_jan15)
    bad = body[0]["bookmakers"][0]["markets"][0]["outcomes"][0]
    bad["price"] = 0.5
    first = ingest_odds(body)[1]
    again = ingest_odds(copy.deepcopy(body))[1]
    assert len(first.rejected) == len(again.rejected) == 1
    assert again.rejected == first.rejected


def test_an_older_body_sent_twice_is_written_once_and_moves_nothing(epl_jan15, epl_jan30):
    ingest_odds(epl_jan30)
    current = dict(Price.objects.values_list("selection_id", "price"))
    ingest_odds(epl_jan15)
    history = PriceHistory.objects.count()
    _, result = ingest_odds(copy.deepcopy(epl_jan15))
    assert result.history_written == 0
    assert PriceHistory.objects.count() == history
    kept = dict(Price.objects.values_list("selection_id", "price"))
    assert {key: kept[key] for key in current if key in kept} == {key: current[key] for key in current if key in kept}


def test_a_bookmaker_that_cannot_be_read_is_rejected_and_the_rest_is_parsed(epl_jan15):
    body = copy.deepcopy(epl_jan15[:1])
    body[0]["bookmakers"].append("not a bookmaker")
    snapshot, result = ingest_odds(body)
    assert result.rejected == [f"event {body[0]['id']}: a bookmaker without a key"]
    ours = [m for b in epl_jan15[0]["bookmakers"] for m in b["markets"] if m["key"] in MARKET_KEYS]
    assert snapshot.quote_count == sum(len(m["outcomes"]) for m in ours)
