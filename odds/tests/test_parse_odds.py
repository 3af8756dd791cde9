import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from odds.providers.odds_api import ProviderError, parse_odds, parse_scores


def test_parse_a_real_response(epl_jan15):
    snapshot = parse_odds(epl_jan15)
    first = snapshot.events[0]
    raw = epl_jan15[0]
    assert first.provider_id == raw["id"]
    assert first.commence_time == datetime.fromisoformat(raw["commence_time"]).astimezone(UTC)
    book = raw["bookmakers"][0]
    market = book["markets"][0]
    outcome = market["outcomes"][0]
    quote = next(
        q
        for q in first.quotes
        if q.bookmaker == book["key"] and q.market == market["key"] and q.outcome == outcome["name"]
    )
    assert quote.price == Decimal(str(outcome["price"])).quantize(Decimal("0.001"))
    assert quote.observed_at == datetime.fromisoformat(market["last_update"])


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        (1.0, "price 1.0 must be above 1.0"),
        (0.5, "price 0.5 must be above 1.0"),
        ("abc", "price 'abc' is not a number"),
        (None, "price None is not a number"),
        (float("nan"), "price nan is not finite"),
        (float("inf"), "price inf is not finite"),
    ],
)
def test_a_bad_price_rejects_its_market_and_keeps_the_rest(epl_jan15, price, reason):
    payload = copy.deepcopy(epl_jan15)
    event = payload[0]
    book = event["bookmakers"][0]
    book["markets"][0]["outcomes"][0]["price"] = price
    snapshot = parse_odds(payload)
    name = book["markets"][0]["outcomes"][0]["name"]
    assert snapshot.rejected == [f"event {event['id']} {book['key']} {book['markets'][0]['key']} {name}: {reason}"]
    assert len(snapshot.events) == len(payload)
    assert not any(
        q.bookmaker == book["key"] and q.market == book["markets"][0]["key"] for q in snapshot.events[0].quotes
    )
    full = parse_odds(epl_jan15)
    assert snapshot.quote_count == full.quote_count - len(book["markets"][0]["outcomes"])


def test_an_event_without_required_fields_is_rejected_with_its_id(epl_jan15):
    payload = copy.deepcopy(epl_jan15)
    del payload[1]["home_team"]
    payload[2]["commence_time"] = "tomorrow"
    snapshot = parse_odds(payload)
    assert snapshot.rejected == [
        f"event {payload[1]['id']}: field 'home_team' is missing",
        f"event {payload[2]['id']} commence_time: time 'tomorrow' is not ISO 8601",
    ]
    assert len(snapshot.events) == len(payload) - 2


def test_a_spread_without_point_is_rejected(epl_jan15):
    payload = copy.deepcopy(epl_jan15)
    for book in payload[0]["bookmakers"]:
        for market in book["markets"]:
            if market["key"] == "spreads":
                del market["outcomes"][0]["point"]
                snapshot = parse_odds(payload)
                assert any("spreads outcome without a point" in r for r in snapshot.rejected)
                return
    pytest.fail("no spreads market in the sample")


def test_other_markets_are_ignored_not_rejected(epl_jan15):
    payload = copy.deepcopy(epl_jan15)
    payload[0]["bookmakers"][0]["markets"].append(
        {"key": "outrights", "last_update": "2024-01-15T10:00:00Z", "outcomes": [{"name": "X", "price": 2}]}
    )
    assert parse_odds(payload).rejected == []


def test_markets_of_the_wrong_type_are_skipped_or_rejected_and_the_rest_kept(epl_jan15):
    payload = copy.deepcopy(epl_jan15)
    payload[0]["bookmakers"][0]["markets"].append({"key": ["h2h"], "outcomes": []})  # found by test_parsers_fuzz
    payload[0]["bookmakers"][1]["markets"] = 5
    snapshot = parse_odds(payload)
    book = payload[0]["bookmakers"][1]["key"]
    assert snapshot.rejected == [f"event {payload[0]['id']} {book}: markets is not a list"]
    assert snapshot.quote_count == parse_odds(epl_jan15).quote_count - len(
        [o for m in epl_jan15[0]["bookmakers"][1]["markets"] if m["key"] in {"h2h", "spreads"} for o in m["outcomes"]]
    )


def test_a_body_that_is_not_a_list_is_a_provider_error():
    with pytest.raises(ProviderError, match="odds response is a dict, expected a list of events"):
        parse_odds({"message": "oops"})


def test_parse_real_scores():
    from odds.tests.conftest import load

    updates, rejected = parse_scores(load("nhl_scores.json"))
    assert rejected == []
    assert len(updates) == 33
    flames = next(u for u in updates if u.provider_id == "2aeab0a9d68f90299e8f38870d1d816c")
    assert (flames.home_team, flames.home_score, flames.away_score, flames.completed) == ("Calgary Flames", 2, 5, True)
    assert sum(u.completed for u in updates) == 18


def test_values_seen_before_are_taken_as_they_were_and_bad_ones_still_rejected(epl_jan15):
    # The second parse finds every price and point already converted; bad outcomes must still fail.
    payload = copy.deepcopy(epl_jan15)
    payload[1]["bookmakers"][0]["markets"][0]["outcomes"][0]["price"] = True
    payload[1]["bookmakers"][1]["markets"][0]["outcomes"][1]["name"] = ""
    payload[2]["bookmakers"][0]["markets"][0]["outcomes"][0] = ["not", "an", "outcome"]
    spread = next(m for b in payload[3]["bookmakers"] for m in b["markets"] if m["key"] == "spreads")
    spread["outcomes"][0]["point"] = None
    first, second = parse_odds(payload), parse_odds(copy.deepcopy(payload))
    assert len(first.rejected) == 4
    assert second.rejected == first.rejected
    assert [e.quotes for e in second.events] == [e.quotes for e in first.events]
    assert second.quote_count == first.quote_count > 700
