from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from odds.ingest import ingest_snapshot
from odds.models import Bookmaker, Event, Price, PriceHistory
from odds.providers.football_data import parse_csv, parse_file
from odds.tests.conftest import DATA

E0 = DATA / "E0_2324_head.csv"
NOR = DATA / "NOR_head.csv"


def quote(event, bookmaker, market, outcome, *, closing):
    kickoff = event.commence_time
    matches = [
        q
        for q in event.quotes
        if q.bookmaker == bookmaker
        and q.market == market
        and q.outcome == outcome
        and (q.observed_at == kickoff) == closing
    ]
    assert len(matches) == 1, matches
    return matches[0]


def test_main_league_rows_give_opening_and_closing_prices():
    parsed = parse_file(E0)
    assert (parsed.rows, parsed.skipped) == (3, [])
    burnley = parsed.snapshot.events[0]
    assert (burnley.home_team, burnley.away_team, burnley.home_score, burnley.away_score) == (
        "Burnley",
        "Man City",
        0,
        3,
    )
    assert burnley.sport_key == "soccer_epl"
    # 11/08/2023 20:00 in London is 19:00 UTC (summer time).
    assert burnley.commence_time == datetime(2023, 8, 11, 19, 0, tzinfo=UTC)
    assert quote(burnley, "pinnacle", "h2h", "Burnley", closing=False).price == Decimal("8.580")
    assert quote(burnley, "pinnacle", "h2h", "Burnley", closing=True).price == Decimal("9.620")
    assert quote(burnley, "pinnacle", "h2h", "Draw", closing=True).price == Decimal("5.810")
    assert quote(burnley, "bet365", "h2h", "Burnley", closing=True).price == Decimal("9.000")
    assert quote(burnley, "market_max", "h2h", "Burnley", closing=False).price == Decimal("9.500")
    assert quote(burnley, "market_avg", "h2h", "Burnley", closing=True).price == Decimal("9.270")
    over = quote(burnley, "pinnacle", "totals", "Over", closing=False)
    assert (over.price, over.point) == (Decimal("1.680"), Decimal("2.50"))
    home_ah = quote(burnley, "pinnacle", "spreads", "Burnley", closing=False)
    away_ah = quote(burnley, "pinnacle", "spreads", "Man City", closing=False)
    assert (home_ah.point, home_ah.price, away_ah.point, away_ah.price) == (
        Decimal("1.50"),
        Decimal("1.860"),
        Decimal("-1.50"),
        Decimal("2.070"),
    )
    assert home_ah.line == away_ah.line == Decimal("1.50")


def test_new_leagues_prices_are_closing_prices():
    norway = parse_file(NOR).snapshot.events[0]
    assert (norway.home_team, norway.away_team, norway.sport_key) == (
        "Molde",
        "Stromsgodset",
        "soccer_norway_eliteserien",
    )
    assert quote(norway, "pinnacle", "h2h", "Molde", closing=True).price == Decimal("1.760")
    assert all(q.observed_at == norway.commence_time for q in norway.quotes)


def test_latin1_and_utf8_with_bom_both_work(tmp_path):
    text = E0.read_text(encoding="utf-8-sig").replace("Burnley", "Málaga")
    latin, bom = tmp_path / "latin.csv", tmp_path / "bom.csv"
    latin.write_bytes(text.encode("latin-1"))
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for path in (latin, bom):
        first = parse_file(path).snapshot.events[0]
        assert first.home_team == "Málaga"
        assert first.quotes


def test_malformed_rows_are_reported_with_file_and_line_and_skipped():
    lines = E0.read_text(encoding="utf-8-sig").splitlines()
    broken_date = lines[2].replace("12/08/2023", "2023-08-12")
    no_team = lines[3].replace("Bournemouth", "")
    parsed = parse_csv("\n".join([lines[0], lines[1], broken_date, no_team]), name="E0_bad.csv")
    assert parsed.skipped == [
        "E0_bad.csv line 3: date '2023-08-12' is not dd/mm/yy or dd/mm/yyyy",
        "E0_bad.csv line 4: home or away team is missing",
    ]
    assert len(parsed.snapshot.events) == 1


def test_winter_kick_offs_are_utc_already():
    lines = E0.read_text(encoding="utf-8-sig").splitlines()
    winter = lines[1].replace("11/08/2023,20:00", "16/12/23,15:00")
    event = parse_csv("\n".join([lines[0], winter])).snapshot.events[0]
    assert event.commence_time == datetime(2023, 12, 16, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_importing_the_same_file_twice_adds_nothing(capsys):
    call_command("import_football_data", str(E0), str(NOR))
    counts = (Event.objects.count(), PriceHistory.objects.count(), Price.objects.count())
    out = capsys.readouterr().out
    assert f"{E0}: 3 rows, 3 events" in out
    call_command("import_football_data", str(E0), str(NOR))
    assert (Event.objects.count(), PriceHistory.objects.count(), Price.objects.count()) == counts
    assert "0 history rows written" in capsys.readouterr().out
    burnley = Event.objects.get(home_team="Burnley")
    assert (burnley.completed, burnley.home_score, burnley.away_score) == (True, 0, 3)
    assert Bookmaker.objects.get(key="market_max").is_aggregate is True


@pytest.mark.django_db
def test_the_closing_price_is_the_last_before_kick_off():
    from odds.selectors import line_movement

    ingest_snapshot(snapshot=parse_file(E0).snapshot)
    burnley = Event.objects.get(home_team="Burnley")
    series = {(s.bookmaker, s.outcome): s for s in line_movement(burnley, markets=["h2h"])}
    pinnacle = series[("pinnacle", "Burnley")]
    assert (pinnacle.opening_price, pinnacle.closing_price) == (Decimal("8.580"), Decimal("9.620"))
