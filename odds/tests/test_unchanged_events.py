"""An event whose odds body is the one stored last is counted, not parsed (Event.odds_digest)."""

import copy
import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from odds.models import Event, Price, PriceHistory
from odds.providers.odds_api import event_digest, ingest_odds

pytestmark = pytest.mark.django_db


def test_an_unchanged_response_is_counted_not_parsed(epl_jan15):
    ingest_odds(epl_jan15)
    assert not Event.objects.filter(odds_digest__isnull=True).exists()
    collected = dict(Event.objects.values_list("provider_id", "last_collected_at"))
    with CaptureQueriesContext(connection) as queries:
        snapshot, result = ingest_odds(copy.deepcopy(epl_jan15))
    assert (result.history_written, result.current_updated, result.withdrawn) == (0, 0, 0)
    assert result.prices_seen == snapshot.unchanged == 785
    assert snapshot.quote_count == 0
    assert snapshot.unchanged_markets == []
    # Not even the stored markets were looked up.
    assert not [q["sql"] for q in queries if "odds_price" in q["sql"]]
    assert PriceHistory.objects.count() == 785
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
    assert result.prices_seen == 785
    assert result.history_written == 1
    moved = Price.objects.get(
        selection__event__provider_id=later[3]["id"],
        selection__market=market["key"],
        selection__outcome=market["outcomes"][0]["name"],
        selection__point=market["outcomes"][0].get("point", 0),
        bookmaker__key=book["key"],
    )
    assert float(moved.price) == market["outcomes"][0]["price"]
    assert ingest_odds(copy.deepcopy(later))[1].prices_seen == 785  # and now that body is the stored one
    assert Event.objects.get(provider_id=later[3]["id"]).odds_digest == event_digest(later[3])[0]


def test_rejected_parts_are_reported_on_every_collection(epl_jan15):
    body = copy.deepcopy(epl_jan15)
    bad = body[0]["bookmakers"][0]["markets"][0]["outcomes"][0]
    bad["price"] = 0.5
    first = ingest_odds(body)[1]
    again = ingest_odds(copy.deepcopy(body))[1]
    assert len(first.rejected) == len(again.rejected) == 1
    assert again.rejected == first.rejected
    assert Event.objects.get(provider_id=body[0]["id"]).odds_digest is None
    assert Event.objects.exclude(provider_id=body[0]["id"]).filter(odds_digest__isnull=False).count() == 14


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


def test_the_digest_is_the_same_in_every_process(epl_jan15):
    # Stored and compared across workers and restarts: it must not depend on Python's string hashing.
    code = (
        "import json, sys; from odds.providers.odds_api import event_digest; "
        "print(event_digest(json.load(sys.stdin))[0])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "monps.settings"}
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        input=json.dumps(epl_jan15[0]),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert int(out.stdout.strip()) == event_digest(epl_jan15[0])[0]


def test_a_body_that_cannot_be_read_has_no_digest_and_is_parsed(epl_jan15):
    assert event_digest({"id": "x", "bookmakers": [1]}) == (None, 0)
    assert event_digest({"id": "x", "bookmakers": [{"markets": [{"outcomes": 3}]}]}) == (None, 0)
    body = copy.deepcopy(epl_jan15[:1])
    body[0]["bookmakers"].append("not a bookmaker")
    snapshot, result = ingest_odds(body)
    assert result.rejected == [f"event {body[0]['id']}: a bookmaker without a key"]
    assert snapshot.quote_count > 0
    assert Event.objects.get(provider_id=body[0]["id"]).odds_digest is None
