"""One bad provider row is rejected alone, with its reason, and the good ones are written: the same
valid response or file with one row broken in each of the ways providers have sent them."""

import copy
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from odds.models import Event, PriceHistory
from odds.providers.odds_api import ingest_odds
from odds.tests.conftest import DATA

pytestmark = pytest.mark.django_db

FIRST = "1d64074bf49af99acf49f8aef1f63b72"  # the first event of epl_odds_2024-01-15.json


def break_first_event(body: list[dict], how: str) -> list[dict]:
    broken = copy.deepcopy(body)
    event = broken[0]
    if how == "long team":
        event["home_team"] = "x" * 129
    elif how == "far past time":
        event["commence_time"] = -1e20
    elif how == "year 1":
        event["commence_time"] = "0001-01-01T00:00:00+05:00"
    elif how == "nul in team":
        event["away_team"] = "Arsenal\x00"
    elif how == "sport key list":
        event["sport_key"] = ["soccer_epl"]
    elif how == "long bookmaker key":
        for book in event["bookmakers"]:
            book["key"] = "k" * 65
    elif how == "nul in outcome":
        event["bookmakers"][0]["markets"][0]["outcomes"][0]["name"] = "Draw\x00"
    return broken


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("long team", f"event {FIRST!r}: home_team is longer than 128 characters"),
        ("far past time", f"event {FIRST} commence_time: time -1e+20 is out of range"),
        ("year 1", f"event {FIRST} commence_time: time '0001-01-01T00:00:00+05:00' is out of range"),
        ("nul in team", f"event {FIRST!r}: away_team contains a NUL character"),
        ("sport key list", f"event {FIRST}: field 'sport_key' is missing"),
        ("long bookmaker key", f"event {FIRST!r}: bookmaker key {'k' * 65!r} is not a bookmaker key"),
        ("nul in outcome", f"event {FIRST!r}: outcome contains a NUL character"),
    ],
)
def test_one_bad_event_of_a_response_is_rejected_alone(epl_jan15, how, reason):
    good = ingest_odds(copy.deepcopy(epl_jan15[1:]))[1].history_written
    PriceHistory.objects.all().delete()
    Event.objects.all().delete()
    _, result = ingest_odds(break_first_event(epl_jan15, how))
    assert result.rejected == [reason]
    # Every other event is written; only the broken part of the first is missing.
    assert Event.objects.exclude(provider_id=FIRST).count() == 14
    written_elsewhere = PriceHistory.objects.exclude(selection__event__provider_id=FIRST).count()
    assert written_elsewhere == good


def csv_with(tmp_path: Path, line: int, column: str, value: str) -> Path:
    """E0_2324_head.csv with one cell of one data line replaced."""
    lines = (DATA / "E0_2324_head.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[line].split(",")
    cells[header.index(column)] = value
    lines[line] = ",".join(cells)
    path = tmp_path / "E0_broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_file(path: Path) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_football_data", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows_in_head() -> int:
    return len((DATA / "E0_2324_head.csv").read_text(encoding="utf-8").strip().splitlines()) - 1


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Date", "01/01/0001", "E0_broken.csv line 2: date"),
        ("FTHG", "99999999999", "E0_broken.csv line 2: home goals 99999999999 is not a score between 0 and 32767"),
        ("HomeTeam", "x" * 300, "event 'E0:"),
    ],
)
def test_one_bad_row_of_a_football_data_file_is_skipped_alone(tmp_path, column, value, reason):
    out, err = import_file(csv_with(tmp_path, 1, column, value))
    assert f"skipped: {reason}" in err
    assert len([line for line in err.splitlines() if line.startswith("skipped:")]) == 1
    assert Event.objects.count() == rows_in_head() - 1
    assert f"{rows_in_head()} rows, {rows_in_head() - 1} events" in out


def test_a_bad_handicap_cell_drops_only_its_prices(tmp_path):
    _, err = import_file(csv_with(tmp_path, 2, "AHh", "abc"))
    assert "dropped: E0_broken.csv line 3 handicap: point 'abc' is not a number: column B365AHH dropped" in err
    arsenal = Event.objects.get(home_team="Arsenal")
    assert (arsenal.home_score, arsenal.away_score) == (2, 1)
    prices = PriceHistory.objects.filter(selection__event=arsenal)
    # The opening handicap was the bad cell: its prices go; the closing handicap (AHCh) and the rest stay.
    spreads = set(prices.filter(selection__market="spreads").values_list("observed_at", flat=True))
    assert spreads == {arsenal.commence_time}
    assert {"h2h", "totals"} <= set(prices.values_list("selection__market", flat=True))


def test_a_binary_file_is_refused_with_its_name_and_nothing_written(tmp_path):
    path = tmp_path / "E0_binary.csv"
    path.write_bytes(bytes(range(256)) * 40)
    _, err = import_file(path)
    assert "skipped: E0_binary.csv: not a CSV text file (it contains NUL bytes)" in err
    assert Event.objects.count() == 0


def test_a_folder_of_folders_is_searched_and_an_empty_one_is_an_error(tmp_path):
    season = tmp_path / "england" / "2023"
    season.mkdir(parents=True)
    (season / "E0.csv").write_bytes((DATA / "E0_2324_head.csv").read_bytes())
    out, _ = import_file(tmp_path)
    assert f"{rows_in_head()} rows, {rows_in_head()} events" in out
    empty = tmp_path / "empty"
    (empty / "nothing").mkdir(parents=True)
    with pytest.raises(CommandError, match=r"no \.csv file in"):
        import_file(empty)


def test_one_bad_event_of_a_scores_body_is_rejected_alone():
    from odds.providers.odds_api import parse_scores
    from odds.scores import ingest_scores
    from odds.tests.conftest import load

    body = load("nhl_scores.json")
    body[0]["home_team"] = "x" * 129
    body[1]["scores"] = [{"name": body[1]["home_team"], "score": "99999999999"}]
    updates, rejected = parse_scores(body)
    assert rejected == [
        f"scores event {body[0]['id']}: home_team is longer than 128 characters",
        f"scores event {body[1]['id']}: home score 99999999999 is not a score between 0 and 32767",
    ]
    assert len(updates) == len(body) - 2
    ingest_scores(updates=updates)
    assert Event.objects.count() == len(body) - 2
