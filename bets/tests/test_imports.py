"""Bets from elsewhere: the export round-trips, lines in the generic layout find their events under
other names, and a file with any refused line writes nothing (bets/imports.py)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from bets.imports import ImportRefused, import_bets
from bets.models import Bet
from bets.services import BetInput, place_bet, settle_bet
from odds.models import FOOTBALL_DATA, Event
from odds.providers.odds_api import ScoreUpdate
from odds.scores import ingest_scores
from odds.tests.factories import EventOddsFactory, ingest
from opportunities.tests.factories import NOW, quotes

pytestmark = pytest.mark.django_db

PLAYED = NOW - timedelta(days=2)  # kick-off of the match that has a result
AHEAD = NOW + timedelta(days=1)
UNITED, WOLVES = "Manchester United", "Wolverhampton Wanderers"
GENERIC_HEADER = "placed_at,event,kick_off,market,selection,point,bookmaker,price,stake,status,profit\n"


def match(provider_id, home, away, kickoff, prices, *, source="odds_api", market="h2h", point=0.0):
    """An event and its prices before kick-off, ingested as a collector writes them."""
    odds = EventOddsFactory.build(
        source=source,
        provider_id=provider_id,
        home_team=home,
        away_team=away,
        commence_time=kickoff,
        quotes=quotes(home, prices, market=market, point=point, observed_at=kickoff - timedelta(hours=1)),
    )
    [event] = ingest(odds, collected_at=kickoff - timedelta(hours=1))
    return event


@pytest.fixture
def played(db):
    """Manchester United 2-1 Wolves two days ago, with Pinnacle's and bet365's match result and totals."""
    h2h = {"pinnacle": {UNITED: 2.00, "Draw": 3.60, WOLVES: 4.00}, "bet365": {UNITED: 2.10, "Draw": 3.40, WOLVES: 3.80}}
    event = match("mu-wol", UNITED, WOLVES, PLAYED, h2h)
    totals = {"pinnacle": {"Over": 1.95, "Under": 1.95}, "bet365": {"Over": 2.00, "Under": 1.85}}
    match("mu-wol", UNITED, WOLVES, PLAYED, totals, market="totals", point=2.5)
    update = ScoreUpdate("mu-wol", "soccer_epl", "EPL", UNITED, WOLVES, PLAYED, True, 2, 1, None)
    ingest_scores(updates=[update])
    return Event.objects.get(pk=event.pk)


@pytest.fixture
def ahead(db):
    """Arsenal v Chelsea tomorrow, with match result and handicap prices."""
    event = match("ars-che", "Arsenal", "Chelsea", AHEAD, {"bet365": {"Arsenal": 2.10, "Draw": 3.40, "Chelsea": 3.60}})
    spreads = {"bet365": {"Arsenal": 1.95, "Chelsea": 1.95}}
    match("ars-che", "Arsenal", "Chelsea", AHEAD, spreads, market="spreads", point=-0.5)
    return event


def bet(event, outcome, *, market="h2h", point=None, price="2.100", stake="10.00", placed_at, **fields):
    terms = BetInput(
        event_id=event.pk,
        market=market,
        outcome=outcome,
        point=point,
        bookmaker="bet365",
        price=price,
        stake=stake,
        placed_at=placed_at,
        **fields,
    )
    return place_bet(bet=terms, allow_started=True)


def export(client) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(client.get("/bets/export.csv").streaming_content).decode())))


def without_ids(rows: list[list[str]]) -> list[list[str]]:
    assert rows[0][0] == "id"
    return [row[1:] for row in rows]


def test_the_export_imports_back_into_a_database_with_the_same_events(auth_client, played, ahead):
    before = PLAYED - timedelta(days=1)
    bet(played, UNITED, placed_at=before)  # settled from the result: won, with its closing line
    bet(played, "Over", market="totals", point="2.5", price="2.000", placed_at=before + timedelta(minutes=1))
    voided = bet(played, "Draw", price="3.400", stake="5.50", placed_at=before + timedelta(minutes=2))
    settle_bet(bet=voided, status="void", via="form")  # by hand, against the result
    placed = NOW - timedelta(hours=1, microseconds=250)
    bet(ahead, "Arsenal", market="spreads", point="-0.5", price="1.950", placed_at=placed, notes="=SUM(A1) hedge")
    for _ in range(2):  # two bets alike: both come back
        bet(ahead, "Chelsea", price="3.600", stake="2.00", placed_at=NOW - timedelta(minutes=5), strategy_name="mine")
    exported = export(auth_client)
    assert [row[11] for row in exported[1:]] == ["pending", "pending", "pending", "void", "won", "won"]
    Bet.objects.all().delete()

    report = import_bets(text=_csv(exported), name="monps-bets.csv")

    assert (report.ok, report.lines, report.written, report.already_stored) == (True, 6, 6, 0)
    assert without_ids(export(auth_client)) == without_ids(exported)
    assert Bet.objects.get(outcome="Draw").settled_manually is True
    assert Bet.objects.get(outcome="Arsenal").notes == "=SUM(A1) hedge"  # the export's quote taken off again


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    ("teams", "selection", "given"),
    [
        ("Man United v Wolves", "Man United", "Man United v Wolves"),
        ("Manchester Utd FC vs Wolverhampton", "Manchester Utd", "Manchester Utd FC v Wolverhampton"),
        (
            "MANCHESTER UNITED - Wolverhampton Wanderers FC",
            "manchester united",
            "MANCHESTER UNITED v Wolverhampton Wanderers FC",
        ),
    ],
)
def test_a_line_finds_its_event_under_other_names(played, teams, selection, given):
    text = GENERIC_HEADER + f"{PLAYED - timedelta(days=1):%Y-%m-%d %H:%M},{teams},{PLAYED:%Y-%m-%d %H:%M},"
    text += f"h2h,{selection},,Bet365,2.10,10,won,11.00\n"

    report = import_bets(text=text, name="book.csv")

    assert report.problems == []
    imported = Bet.objects.get()
    assert (imported.event_id, imported.outcome, imported.bookmaker.key) == (played.pk, UNITED, "bet365")
    assert (imported.status, imported.profit, imported.settled_manually) == ("won", Decimal("11.00"), False)
    assert [(m.line, m.given, m.event) for m in report.matches] == [(2, given, played)]


def test_accents_and_a_date_alone_find_the_event(db):
    event = match("atl", "Atlético Madrid", "Real Betis", AHEAD, {"bet365": {"Atlético Madrid": 1.8, "Draw": 3.5}})
    text = "placed_at,home_team,away_team,kick_off,market,selection,bookmaker,price,stake\n"
    text += f"{NOW:%Y-%m-%dT%H:%M:%SZ},Atletico Madrid,Real Betis,{AHEAD:%Y-%m-%d},h2h,Atletico Madrid,bet365,1.8,4\n"

    report = import_bets(text=text)

    assert report.problems == []
    assert Bet.objects.get().event_id == event.pk
    assert Bet.objects.get().outcome == "Atlético Madrid"


def test_a_line_that_fits_no_event_is_reported_and_nothing_written(played, ahead):
    text = GENERIC_HEADER
    text += f"{NOW:%Y-%m-%d %H:%M},Arsenal v Chelsea,{AHEAD:%Y-%m-%d %H:%M},h2h,Arsenal,,bet365,2.1,10,,\n"
    text += f"{NOW:%Y-%m-%d %H:%M},Arsenal v Spurs,{AHEAD:%Y-%m-%d %H:%M},h2h,Arsenal,,bet365,2.1,10,,\n"

    report = import_bets(text=text)

    assert [str(problem) for problem in report.problems] == [
        "line 3: event: no stored event is Arsenal v Spurs kicking off within 3 hours of 2026-11-25 12:00 UTC; "
        "stored then: Arsenal v Chelsea"
    ]
    assert (report.written, Bet.objects.count()) == (0, 0)
    assert report.summary() == "file: 1 of 2 lines refused; nothing written."


def test_a_line_that_fits_two_events_names_both_and_is_not_guessed(played):
    other = match("E0-mu-wol", "Man United", "Wolves", PLAYED, {"bet365": {"Man United": 2.1}}, source=FOOTBALL_DATA)
    text = (
        GENERIC_HEADER + f"{NOW:%Y-%m-%d %H:%M},Man Utd v Wolves,{PLAYED:%Y-%m-%d %H:%M},h2h,Man Utd,,bet365,2.1,10,,\n"
    )

    report = import_bets(text=text)

    [problem] = report.problems
    assert str(problem) == (
        f"line 2: event: Man Utd v Wolves kicking off within 3 hours of {PLAYED:%Y-%m-%d %H:%M} UTC fits 2 stored "
        f"events, Manchester United v Wolverhampton Wanderers (id {played.pk}, {PLAYED:%Y-%m-%d %H:%M} UTC) and "
        f"Man United v Wolves (id {other.pk}, {PLAYED:%Y-%m-%d %H:%M} UTC): not guessed"
    )
    assert Bet.objects.count() == 0


def test_every_bad_line_is_reported_by_number_and_reason_and_nothing_is_written(played, ahead):
    placed, kickoff = f"{NOW:%Y-%m-%d %H:%M}", f"{AHEAD:%Y-%m-%d %H:%M}"
    text = GENERIC_HEADER + "\n".join(
        [
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Arsenal,,bet365,2.10,10,,",  # good
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Arsenal,,bet365,0.95,10,,",
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Arsenal,,Bookie McBookface,2.10,10,,",
            f"24/11/2026 11:00,Arsenal v Chelsea,{kickoff},h2h,Arsenal,,bet365,2.10,10,,",
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Over,,bet365,2.10,10,,",
            f"{placed},Arsenal v Chelsea,{kickoff},spreads,Arsenal,,bet365,1.95,10,,",
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Arsenal,,bet365,2.10,-3,,",
            "",  # a blank line is no line
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Chelsea,,bet365,3.60,10,won,30.00",
            f"{placed},Arsenal v Chelsea,{kickoff},h2h,Chelsea,,bet365,3.60,10,maybe,",
        ]
    )

    report = import_bets(text=text, name="mine.csv")

    assert [str(problem) for problem in report.problems] == [
        "line 3: price: 0.95 must be above 1.0 (decimal odds)",
        "line 4: bookmaker: unknown bookmaker 'Bookie McBookface': give a key such as bet365 or a name as in the admin",
        "line 5: placed_at: '24/11/2026 11:00' is not a date and time (ISO 8601: 2024-08-16 19:30, with +01:00 or Z "
        "if not in UTC)",
        "line 6: outcome: 'Over' is not an outcome of h2h for Arsenal v Chelsea: Arsenal, Draw, Chelsea",
        "line 7: point: a spreads bet needs the handicap or total",
        "line 8: stake: must be more than 0",
        "line 10: profit: 30.00 is not what won at 3.600 for 10.00 makes (26.00); leave profit empty to take monps's",
        "line 11: status: 'maybe' is not one of pending, won, lost, void, half_won, half_lost, push",
    ]
    assert (report.lines, report.written, report.matches) == (9, 0, [])
    assert Bet.objects.count() == 0


def test_a_file_without_the_columns_it_needs_is_refused_at_its_header(db):
    report = import_bets(text="when,match,odds\n2026-11-24,A v B,2.1\n", name="odd.csv")

    assert [str(problem) for problem in report.problems] == [
        "line 1: missing columns: placed_at, market, outcome, bookmaker, price, stake, event (or home_team and "
        "away_team), commence_time (or kick_off) (the layout: docs/commands.md)"
    ]
    report = import_bets(text=GENERIC_HEADER.strip() + ",stakee\n")
    assert [str(problem) for problem in report.problems] == [
        "line 1: unknown or repeated columns 'stakee' (the layout: docs/commands.md)"
    ]
    with pytest.raises(ImportRefused, match="has no header line"):
        import_bets(text="")


def test_importing_a_file_again_writes_nothing_new(played, ahead):
    line = f"{NOW:%Y-%m-%d %H:%M},Arsenal v Chelsea,{AHEAD:%Y-%m-%d %H:%M},h2h,Chelsea,,bet365,3.6,2,,\n"
    text = GENERIC_HEADER + line + line  # the same bet twice: two bets
    text += f"{PLAYED - timedelta(days=1):%Y-%m-%d %H:%M},Man United v Wolves,{PLAYED:%Y-%m-%d %H:%M},h2h,Draw,,"
    text += "bet365,3.4,5,lost,-5\n"

    first = import_bets(text=text)
    again = import_bets(text=text)

    assert (first.ok, first.written, first.already_stored) == (True, 3, 0)
    assert (again.ok, again.written, again.already_stored) == (True, 0, 3)
    assert again.summary() == "file: 3 lines, 0 bets written, 3 already stored."
    assert Bet.objects.count() == 3
    assert import_bets(text=GENERIC_HEADER + line + line + line).written == 1  # a third alike is new


def test_a_profit_alone_gives_the_status_and_a_check_writes_nothing(played):
    placed = f"{PLAYED - timedelta(days=1):%Y-%m-%d %H:%M}"
    header = "placed_at,event,commence_time,market,outcome,bookmaker,price,stake,profit\n"
    text = header + f"{placed},Man United v Wolves,{PLAYED:%Y-%m-%d %H:%M},h2h,Wolves,bet365,3.8,10,0\n"

    checked = import_bets(text=text, dry_run=True)
    assert (checked.ok, checked.written, Bet.objects.count()) == (True, 1, 0)
    assert checked.summary() == "file: 1 lines, 1 bets would be written, 0 already stored."

    import_bets(text=text)
    imported = Bet.objects.get()
    assert (imported.outcome, imported.status, imported.profit, imported.settled_manually) == (
        WOLVES,
        "void",
        Decimal("0.00"),
        True,
    )


def test_the_command_imports_a_file_and_fails_on_a_refused_line(played, tmp_path, capsys):
    good = tmp_path / "good.csv"
    line = f"{PLAYED - timedelta(days=1):%Y-%m-%dT%H:%M}+01:00,Man United v Wolves,{PLAYED:%Y-%m-%d %H:%M},h2h,Draw,,"
    good.write_text(GENERIC_HEADER + line + "bet365,3.4,5,,\n", encoding="utf-8-sig")
    call_command("import_bets", str(good))
    assert capsys.readouterr().out == "good.csv: 1 lines, 1 bets written, 0 already stored.\n"
    assert Bet.objects.get().placed_at == PLAYED - timedelta(days=1, hours=1)

    bad = tmp_path / "bad.csv"
    bad.write_text(GENERIC_HEADER + line + "bet365,3.4,5,,\n" + line + "bet365,x,5,,\n")
    with pytest.raises(CommandError, match=r"^bad.csv: 1 of 2 lines refused; nothing written.$"):
        call_command("import_bets", str(bad))
    assert "line 3: price: 'x' is not a number" in capsys.readouterr().err
    assert Bet.objects.count() == 1
    with pytest.raises(CommandError, match="'Mars/Olympus' is not a time zone"):
        call_command("import_bets", str(good), "--timezone", "Mars/Olympus")


def test_the_import_page_shows_the_report(auth_client, played):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = auth_client.get("/bets/import/").content.decode()
    assert '<option value="UTC" selected>UTC</option>' in page
    assert 'href="/bets/import/"' in auth_client.get("/bets/").content.decode()
    line = f"{PLAYED - timedelta(days=1):%Y-%m-%d %H:%M},Man United v Wolves,{PLAYED:%Y-%m-%d %H:%M},h2h,Draw,,"
    upload = SimpleUploadedFile("book.csv", (GENERIC_HEADER + line + "bet365,3.4,5,,\n").encode())

    response = auth_client.post("/bets/import/", {"file": upload, "time_zone": "Europe/London"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "book.csv: 1 lines, 1 bets written, 0 already stored." in html
    assert f'<a href="/events/{played.pk}/">Manchester United v Wolverhampton Wanderers</a>' in html
    # Europe/London is UTC+0 in November: the same times.
    assert Bet.objects.get().placed_at == PLAYED - timedelta(days=1)
    many = SimpleUploadedFile("many.csv", (GENERIC_HEADER + (line + "bet365,3.4,5,,\n") * 2001).encode())
    refused = auth_client.post("/bets/import/", {"file": many, "time_zone": "UTC"}).content.decode()
    assert "many.csv has 2,001 lines; at most 2,000 at once here: manage.py import_bets takes more" in refused
    latin = SimpleUploadedFile("latin.csv", "placed_at\nBodø\n".encode("latin-1"))
    refused = auth_client.post("/bets/import/", {"file": latin, "time_zone": "UTC"}).content.decode()
    assert "not UTF-8 text (byte 13 is 0xf8)" in refused
