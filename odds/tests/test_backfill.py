"""``manage.py backfill_odds`` against The Odds API's historical endpoint served on 127.0.0.1: three
real EPL snapshots in the documented envelope (data/SOURCES.md), charged and answered as the API
documents (the snapshot at or before the date asked for; 10 × markets × regions credits a call)."""

import json
import os
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from devtools.processes import Answer
from odds.models import (
    BackfillSnapshot,
    ClosingPrice,
    CollectorRun,
    Event,
    Price,
    PriceHistory,
    WithdrawnPrice,
)
from odds.providers.odds_api import ProviderError, parse_historical
from odds.tests.conftest import load

KEY = "backfill-key-0123456789abcdef"
PATH = "/v4/historical/sports/soccer_epl/odds"
# Each snapshot's time: the 5-minute mark after its latest last_update (data/SOURCES.md).
SNAPSHOTS = {
    datetime(2024, 1, 14, 21, 50, tzinfo=UTC): "epl_odds_2024-01-15.json",
    datetime(2024, 1, 30, 10, 15, tzinfo=UTC): "epl_odds_2024-01-30.json",
    datetime(2024, 3, 8, 14, 35, tzinfo=UTC): "epl_odds_2024-03-08.json",
}
FIRST, SECOND, THIRD = SNAPSHOTS
# Every 16 days from 22:00 after the first snapshot: the first, the second (for three moments, the
# second call covering the two after it) and the third snapshot.
RANGE = {"sport": "soccer_epl", "start": "2024-01-14T22:00Z", "end": "2024-03-20", "every": "16d"}
MOMENTS = [datetime(2024, m, d, 22, tzinfo=UTC) for m, d in [(1, 14), (1, 30), (2, 15), (3, 2), (3, 18)]]
OPTIONS = {"markets": "spreads,h2h", "regions": "uk"}  # the request the EPL snapshots answered

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class HistoricalApi:
    """The historical endpoint over ``SNAPSHOTS``: it charges each call as the API does and reports
    the credits left from ``credits``; ``fail_on`` (call numbers from 1) answer 500."""

    def __init__(self, local_api, *, credits: int = 10_000, fail_on: tuple[int, ...] = ()) -> None:
        self.credits, self.fail_on = credits, fail_on
        self.dates: list[str] = []
        self.server = local_api(answer=self.answer)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path != PATH or query.get("apiKey") != KEY:
            Answer(404, b'{"message": "Not found"}').send(handler)
            return
        self.dates.append(query["date"])
        if len(self.dates) in self.fail_on:
            Answer(500, b'{"message": "Internal error"}').send(handler)
            return
        cost = 10 * len(query["markets"].split(",")) * len(query["regions"].split(","))
        self.credits -= cost
        date = datetime.fromisoformat(query["date"])
        times = sorted(SNAPSHOTS)
        at = max(t for t in times if t <= date)
        place = times.index(at)
        envelope = {
            "timestamp": iso(at),
            "previous_timestamp": iso(times[place - 1]) if place else None,
            "next_timestamp": iso(times[place + 1]) if place + 1 < len(times) else None,
            "data": load(SNAPSHOTS[at]),
        }
        headers = {"x-requests-remaining": str(self.credits), "x-requests-last": str(cost)}
        Answer(200, json.dumps(envelope).encode(), headers).send(handler)


@pytest.fixture
def api(local_api, settings):
    settings.ODDS_API_KEY = KEY
    settings.ODDS_API_RETRIES = 0  # a 500 ends the call at once
    settings.ODDS_API_CREDIT_RESERVE = 25
    stub = HistoricalApi(local_api)
    settings.ODDS_API_BASE_URL = stub.server.url
    return stub


def credits_seen(remaining: int) -> None:
    """A collection earlier today, whose response said how many credits were left."""
    CollectorRun.objects.create(
        kind="odds",
        sport_key="soccer_epl",
        started_at=timezone.now(),
        status=CollectorRun.OK,
        credits_remaining=remaining,
    )


def backfill(capsys, **options):
    """Run the command; its output, and the CommandError it ended with (None)."""
    error = None
    try:
        call_command("backfill_odds", **{**RANGE, **OPTIONS, **options})
    except CommandError as exc:
        error = str(exc)
    return capsys.readouterr().out, error


SELECTION = ("selection__event__provider_id", "selection__market", "selection__outcome", "selection__point")
PRICE_KEY = (*SELECTION, "bookmaker__key")


def stored() -> dict[str, list[tuple[object, ...]]]:
    """Everything ingestion writes, by natural keys (not ids), as comparable values."""
    return {
        "history": sorted(PriceHistory.objects.values_list(*PRICE_KEY, "observed_at", "price")),
        "current": sorted(Price.objects.values_list(*PRICE_KEY, "price", "observed_at", "last_seen_at")),
        "closing": sorted(ClosingPrice.objects.values_list(*PRICE_KEY, "price", "observed_at", "last_seen_at")),
        "withdrawn": sorted(WithdrawnPrice.objects.values_list(*PRICE_KEY, "withdrawn_at")),
        "events": sorted(Event.objects.values_list("provider_id", "commence_time", "last_collected_at")),
    }


def test_the_cost_is_shown_and_nothing_spent_without_a_yes(api, capsys):
    credits_seen(1_000)
    out, error = backfill(capsys)
    assert out.splitlines() == [
        "soccer_epl (h2h,spreads × uk): 5 moments from 2024-01-14 22:00 to 2024-03-18 22:00 UTC, every 16d; "
        "0 done before, 5 to fetch.",
        "Cost: 20 credits a snapshot (10 × 2 markets × 1 region), at most 100 credits "
        "(a moment the previous snapshot still covers is not fetched).",
        "Credits left: 1,000, reserve 25 (ODDS_API_CREDIT_RESERVE): enough for all of them.",
    ]
    assert error == "Not a terminal, so not asking: pass --yes to spend up to 100 credits."
    assert api.dates == []


@pytest.mark.parametrize(("answer", "calls"), [("n\n", 0), ("\n", 0), ("yes\n", 3)])
def test_on_a_terminal_it_asks_and_spends_only_on_yes(api, capsys, answer, calls):
    main, terminal = os.openpty()  # a real terminal: the command sees isatty() and reads the answer
    os.write(main, answer.encode())
    with open(terminal, encoding="utf-8") as stdin:
        out, error = backfill(capsys, stdin=stdin)
    os.close(main)
    assert "Spend up to 100 credits? [y/N] " in out
    assert error is None
    assert len(api.dates) == calls
    assert ("Nothing fetched." in out) == (calls == 0)


def test_a_backfill_ingests_each_snapshot_at_its_own_time(api, capsys):
    credits_seen(1_000)
    out, error = backfill(capsys, yes=True)
    assert error is None
    # One call per snapshot: the second one's answer covers the moments before the third snapshot.
    assert api.dates == [iso(MOMENTS[0]), iso(MOMENTS[1]), iso(MOMENTS[4])]
    assert "2024-01-30 22:00: snapshot of 2024-01-30 10:15:00, 20 events" in out
    assert "it covers 2 more moments before the next snapshot" in out
    assert out.splitlines()[-1].startswith("soccer_epl: 3 snapshots fetched for 5 moments, 60 credits")
    done = dict(BackfillSnapshot.objects.values_list("requested_at", "snapshot_at"))
    assert done == dict(zip(MOMENTS, [FIRST, SECOND, SECOND, SECOND, THIRD], strict=True))
    runs = CollectorRun.objects.filter(kind="backfill").order_by("started_at")
    assert [(r.status, r.credits_last, r.credits_remaining) for r in runs] == [
        (CollectorRun.OK, 20, 9_980),
        (CollectorRun.OK, 20, 9_960),
        (CollectorRun.OK, 20, 9_940),
    ]
    assert runs[0].events_seen == 15
    assert runs[0].history_written > 0
    # The live path, seen at the snapshot's time: the third snapshot's events were last seen then.
    third = {e["id"] for e in load(SNAPSHOTS[THIRD])}
    assert set(Event.objects.filter(provider_id__in=third).values_list("last_collected_at", flat=True)) == {THIRD}
    assert set(
        Price.objects.filter(selection__event__provider_id__in=third).values_list("last_seen_at", flat=True)
    ) == {THIRD}


def test_it_refuses_at_the_reserve(api, capsys):
    credits_seen(40)  # a snapshot costs 20: 20 would be left, under the reserve of 25
    out, error = backfill(capsys, yes=True)
    assert (
        "Credits left: 40, reserve 25 (ODDS_API_CREDIT_RESERVE): enough for 0 snapshots, fewer than the 5 moments"
        in out
    )
    assert error == (
        "Nothing fetched: 40 credits left: a call costing 20 would spend into the reserve of 25 "
        "(ODDS_API_CREDIT_RESERVE)."
    )
    assert api.dates == []
    assert not BackfillSnapshot.objects.exists()


def test_it_stops_before_the_reserve_and_resumes_there(api, capsys, settings):
    credits_seen(75)
    api.credits = 75
    out, error = backfill(capsys, yes=True)
    assert "enough for 2 snapshots, fewer than the 5 moments to fetch: it stops at the reserve" in out
    # 75 → 55 → 35; a third call would leave 15, under the reserve.
    assert api.dates == [iso(MOMENTS[0]), iso(MOMENTS[1])]
    assert error == (
        "stopped before 2024-03-18 22:00: 35 credits left: a call costing 20 would spend into the reserve "
        "of 25 (ODDS_API_CREDIT_RESERVE). The same command resumes from there."
    )
    assert BackfillSnapshot.objects.count() == 4
    settings.ODDS_API_CREDIT_RESERVE = 10  # the user lowers the reserve
    out, error = backfill(capsys, yes=True)
    assert error is None
    assert "4 done before, 1 to fetch" in out
    assert api.dates[2:] == [iso(MOMENTS[4])]
    assert BackfillSnapshot.objects.count() == 5


def test_it_resumes_after_a_failure_midway_with_what_an_uninterrupted_run_writes(api, capsys):
    api.fail_on = (2,)
    out, error = backfill(capsys, yes=True)
    assert error is not None
    assert error.startswith("stopped at 2024-01-30 22:00: The Odds API answered 500")
    assert list(BackfillSnapshot.objects.values_list("requested_at", flat=True)) == [MOMENTS[0]]
    failed = CollectorRun.objects.get(kind="backfill", status=CollectorRun.FAILED)
    assert failed.error_code == "PROVIDER_ERROR"
    out, error = backfill(capsys, yes=True)
    assert error is None
    assert "1 done before, 4 to fetch" in out
    assert api.dates == [iso(MOMENTS[0]), iso(MOMENTS[1]), iso(MOMENTS[1]), iso(MOMENTS[4])]
    resumed = stored()
    assert resumed["history"]

    # The same range in one go, from an empty database, writes the same rows.
    Event.objects.all().delete()  # their selections, prices and history with them
    BackfillSnapshot.objects.all().delete()
    _, error = backfill(capsys, yes=True)
    assert error is None
    assert stored() == resumed


def test_a_rerun_fetches_nothing_and_another_step_writes_nothing_new(api, capsys):
    backfill(capsys, yes=True)
    before = stored()
    calls = len(api.dates)
    out, error = backfill(capsys, yes=True)
    assert error is None
    assert out.splitlines()[-1] == "Nothing to fetch: every moment of the range is done."
    assert len(api.dates) == calls
    # Moments of another step are new to the record, so the same snapshots are fetched again (and
    # paid for): ingested again, they change nothing.
    out, error = backfill(capsys, yes=True, start="2024-01-15", every="15d")
    assert error is None
    assert len(api.dates) > calls
    assert ", 0 history rows;" in out.splitlines()[-1]
    assert stored() == before


def test_the_historical_envelope_of_a_real_answer():
    snapshot = parse_historical(load("historical_nfl_odds_2021-11-25.json"))
    assert (snapshot.timestamp, snapshot.previous, snapshot.next) == (
        datetime(2021, 11, 25, 11, 55, tzinfo=UTC),
        datetime(2021, 11, 25, 11, 45, tzinfo=UTC),
        datetime(2021, 11, 25, 12, 5, tzinfo=UTC),
    )
    assert len(snapshot.data) == 15
    assert {e["sport_key"] for e in snapshot.data} == {"americanfootball_nfl"}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "historical odds response is a list, expected an object"),
        ({"timestamp": "2024-01-14T21:50:00Z"}, "historical odds response: data is a NoneType, expected a list"),
        ({"data": []}, "historical odds response timestamp: time None is missing"),
        ({"timestamp": "yesterday", "data": []}, "historical odds response timestamp: time 'yesterday' is not ISO"),
        (
            {"timestamp": "2024-01-14T21:50:00Z", "next_timestamp": "2024-01-14T21:55", "data": []},
            "historical odds response next_timestamp: time '2024-01-14T21:55' has no time zone",
        ),
    ],
)
def test_a_broken_envelope_says_what_is_wrong(payload, message):
    with pytest.raises(ProviderError, match=message.replace("(", r"\(")):
        parse_historical(payload)


def test_the_request_is_the_documented_one(api, capsys):
    backfill(capsys, yes=True, end="2024-01-14T22:00Z")
    (path,) = api.server.paths
    parts = urlsplit(path)
    assert parts.path == PATH
    assert parse_qs(parts.query) == {
        "apiKey": [KEY],
        "regions": ["uk"],
        "markets": ["h2h,spreads"],
        "oddsFormat": ["decimal"],
        "dateFormat": ["iso"],
        "date": ["2024-01-14T22:00:00Z"],
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": "1m"}, "--every '1m': at least 5m"),
        ({"every": "hourly"}, "--every 'hourly': give minutes, hours or days, e.g. 30m, 1h, 1d"),
        ({"start": "2019-05-01"}, "--from 2019-05-01: The Odds API's historical odds start on 2020-06-06"),
        ({"start": "15/01/2024"}, "--from '15/01/2024': give a date (2024-01-15) or a time (2024-01-15T12:00Z)"),
        ({"end": "2024-01-01"}, "--to 2024-01-01 23:59 is before --from 2024-01-14 22:00"),
        ({"markets": "h2h,outrights"}, "--markets 'h2h,outrights': outrights is not one of h2h, spreads, totals"),
        ({"regions": "UK!"}, "--regions 'UK!': UK! is not a region"),
        ({"sport": "../odds"}, "--sport: '../odds' is not a sport key"),
    ],
)
def test_bad_options_say_which_and_why(api, capsys, options, message):
    _, error = backfill(capsys, yes=True, **options)
    assert error is not None
    assert error.startswith(message)
    assert api.dates == []
