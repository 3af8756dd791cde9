"""The bench's own helpers: its statistics and the snapshots it ingests (the page it writes: test_docs.py)."""

from datetime import UTC, datetime, timedelta

from bench.data import BOOKS, STAMP, odds_response, price_count, with_value_price, withdrawn_response
from bench.report import against, p95, spread

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def books(event):
    return {b["key"]: b for b in event["bookmakers"]}


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


def test_withdrawn_response_drops_a_book_and_moves_another_in_every_other_event():
    first = odds_response(4, 6, start=START)
    later = withdrawn_response(first)
    # event 0: a soft book gone from the whole event
    assert set(books(first[0])) - set(books(later[0])) == {BOOKS[1]}
    # event 2: a soft book gone from its totals only
    gone = books(later[2])[BOOKS[2]]
    assert [m["key"] for m in gone["markets"]] == ["h2h", "spreads"]
    # the moved book: ten minutes after the event's newest update, h2h prices 0.05 higher
    newest = max(m["last_update"] for b in first[0]["bookmakers"] for m in b["markets"])
    moved_before, moved = books(first[0])[BOOKS[2]], books(later[0])[BOOKS[2]]
    expected = (datetime.strptime(newest, STAMP).replace(tzinfo=UTC) + timedelta(minutes=10)).strftime(STAMP)
    assert {m["last_update"] for m in moved["markets"]} == {expected}
    assert [o["price"] for o in moved["markets"][0]["outcomes"]] == [
        round(o["price"] + 0.05, 2) for o in moved_before["markets"][0]["outcomes"]
    ]
    assert moved["markets"][1]["outcomes"] == moved_before["markets"][1]["outcomes"]
    # odd events are as they were, and A itself is left alone
    assert later[1] == first[1]
    assert later[3] == first[3]
    assert first == odds_response(4, 6, start=START)


def test_with_value_price_raises_one_soft_price_thirty_percent_above_the_sharp_one():
    first = odds_response(2, 3, start=START)
    valued = with_value_price(first, START)
    sharp, soft = valued[0]["bookmakers"][0], valued[0]["bookmakers"][1]
    assert soft["markets"][0]["outcomes"][0]["price"] == round(sharp["markets"][0]["outcomes"][0]["price"] * 1.3, 2)
    assert soft["markets"][0]["last_update"] == "2026-03-01T12:00:00Z"
    assert valued[1] == first[1]


def test_a_generated_season_reads_as_football_data_writes_it():
    import random

    from bench.backtest import season_csv
    from odds.providers.football_data import parse_csv

    text = season_csv(2023, random.Random(1))
    assert text.splitlines()[0].startswith("Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,FTR,B365H,B365D,B365A,BWH")
    parsed = parse_csv(text)
    assert (parsed.rows, len(parsed.snapshot.events), parsed.skipped) == (380, 380, [])
    first = parsed.snapshot.events[0]
    books = {q.bookmaker for q in first.quotes}
    assert books == {"bet365", "bwin", "interwetten", "pinnacle", "williamhill", "betvictor"} | {
        "market_max",
        "market_avg",
    }
    assert {q.market for q in first.quotes} == {"h2h", "totals", "spreads"}
    # Opening and closing: 6 books and 2 aggregates of 1X2, 4 of totals and 4 of the handicap, 2 prices each.
    assert len(first.quotes) == 2 * (8 * 3 + 4 * 2 + 4 * 2)
    assert season_csv(2023, random.Random(1)) == text
