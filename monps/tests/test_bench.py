"""The bench's own helpers: its statistics and the responses it builds."""

from datetime import UTC, datetime

from monps.bench.data import odds_response, price_count
from monps.bench.report import against, p95, spread

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_p95_is_the_value_below_which_95_percent_fall():
    assert p95([float(i) for i in range(1, 101)]) == 95.0
    assert p95([3.0]) == 3.0


def test_spread_is_half_the_range():
    assert spread([1.0, 4.0, 2.0]) == 1.5
    assert spread([2.0]) == 0.0


def test_against_passes_at_the_bar_and_fails_above():
    assert against("x", [2.0, 2.0], [1.0], bar=2).passed is True
    assert against("x", [2.1], [1.0], bar=2).passed is False
    assert against("x", [9.0], [1.0], bar=None).passed is None


def test_odds_response_has_seven_prices_per_book_and_event():
    body = odds_response(3, 5, start=START, sport_key="basketball_bench", first_id=16)
    assert price_count(body) == 3 * 5 * 7
    assert [e["id"] for e in body] == [f"{16 + i:032x}" for i in range(3)]
    assert {e["sport_key"] for e in body} == {"basketball_bench"}
    assert body[1]["commence_time"] == "2026-03-01T12:15:00Z"
