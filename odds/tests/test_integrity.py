"""What the database guarantees about odds, whatever the order or concurrency of ingestions: an
observation is stored once, an older snapshot never moves a newer current price, a withdrawn price
stays withdrawn, and ingestions of different events run at once."""

import copy
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import permutations
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from devtools.testing import database_url
from odds.ingest import ZERO, EventOdds, Quote, Snapshot, ingest_snapshot
from odds.models import H2H, Bookmaker, Price, PriceHistory, Selection, WithdrawnPrice
from odds.providers.odds_api import ingest_odds
from odds.tests.conftest import DATA, load

SNAPSHOTS = ["epl_odds_2024-01-15.json", "epl_odds_2024-01-30.json", "epl_odds_2024-03-08.json"]
KEY = ("selection__event__provider_id", "selection__market", "selection__outcome", "selection__point", "bookmaker__key")


def history() -> list[tuple]:
    return sorted(PriceHistory.objects.values_list(*KEY, "observed_at", "price"))


def current() -> dict[tuple, tuple]:
    return {row[:5]: row[5:] for row in Price.objects.values_list(*KEY, "price", "observed_at", "last_seen_at")}


def withdrawn_copy(body: list[dict]) -> list[dict]:
    """A newer snapshot of the same events in which the first event's first bookmaker no longer
    quotes anything, and another bookmaker moved one price."""
    later = copy.deepcopy(body)
    later[0]["bookmakers"].pop(0)
    market = later[0]["bookmakers"][0]["markets"][0]
    market["last_update"] = "2024-01-16T09:00:00Z"
    market["outcomes"][0]["price"] = round(market["outcomes"][0]["price"] + 0.5, 2)
    return later


@pytest.mark.django_db
@pytest.mark.parametrize("order", list(permutations(range(3))))
def test_real_snapshots_imported_again_in_any_order_write_nothing(order):
    bodies = [load(name) for name in SNAPSHOTS]
    for body in bodies:
        ingest_odds(copy.deepcopy(body))
    rows, prices = history(), current()
    results = [ingest_odds(copy.deepcopy(bodies[i]))[1] for i in order]
    assert [(r.history_written, r.current_updated) for r in results] == [(0, 0)] * 3
    assert history() == rows
    assert current() == prices


@pytest.mark.django_db
def test_a_withdrawal_survives_the_older_snapshot_imported_again(epl_jan15):
    a, b = epl_jan15, withdrawn_copy(epl_jan15)
    ingest_odds(copy.deepcopy(a))
    first_b = ingest_odds(copy.deepcopy(b))[1]
    assert first_b.withdrawn > 0
    assert WithdrawnPrice.objects.count() == first_b.withdrawn
    rows, prices = history(), current()
    again = [ingest_odds(copy.deepcopy(body))[1] for body in (a, b)]
    assert [(r.history_written, r.current_updated, r.withdrawn) for r in again] == [(0, 0, 0)] * 2
    assert history() == rows
    assert current() == prices  # the withdrawn book's prices did not come back


@pytest.mark.django_db
def test_a_withdrawn_price_comes_back_with_a_newer_observation(epl_jan15):
    ingest_odds(copy.deepcopy(epl_jan15))
    ingest_odds(withdrawn_copy(epl_jan15))
    gone = WithdrawnPrice.objects.count()
    back = copy.deepcopy(epl_jan15)
    for market in back[0]["bookmakers"][0]["markets"]:
        market["last_update"] = "2024-01-17T09:00:00Z"
    result = ingest_odds(back)[1]
    assert result.current_updated >= gone
    assert WithdrawnPrice.objects.count() == 0
    book = back[0]["bookmakers"][0]["key"]
    prices = Price.objects.filter(bookmaker__key=book, selection__event__provider_id=back[0]["id"])
    assert set(prices.values_list("observed_at", flat=True)) == {datetime(2024, 1, 17, 9, tzinfo=UTC)}


def quote(price: str, at: datetime) -> Quote:
    return Quote("pinnacle", H2H, "A", ZERO, ZERO, Decimal(price), at)


def snapshot(*quotes: Quote) -> Snapshot:
    start = datetime(2026, 11, 2, 15, tzinfo=UTC)
    return Snapshot(events=[EventOdds("odds_api", "e" * 32, "soccer_epl", "A", "B", start, quotes=list(quotes))])


@pytest.mark.django_db
def test_an_older_snapshot_does_not_change_the_current_price_a_newer_one_confirmed():
    t1 = datetime(2026, 11, 1, 12, tzinfo=UTC)
    t2, t3 = t1 + timedelta(hours=1), t1 + timedelta(hours=2)
    ingest_snapshot(snapshot=snapshot(quote("2.000", t1)))
    confirmed = ingest_snapshot(snapshot=snapshot(quote("2.000", t3)))
    assert (confirmed.history_written, confirmed.current_updated) == (0, 1)
    late = ingest_snapshot(snapshot=snapshot(quote("2.100", t2)))
    assert late.current_updated == 0
    assert list(Price.objects.values_list("price", "observed_at")) == [(Decimal("2.000"), t3)]
    # History keeps the late observation where it belongs in time.
    assert list(PriceHistory.objects.order_by("observed_at").values_list("price", "observed_at")) == [
        (Decimal("2.000"), t1),
        (Decimal("2.100"), t2),
    ]


@pytest.mark.django_db
def test_the_database_itself_rejects_a_duplicate_observation():
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    ingest_snapshot(snapshot=snapshot(quote("2.000", at)))
    row = PriceHistory.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO odds_pricehistory (observed_at, collected_at, selection_id, bookmaker_id, price)"
            " VALUES (%s, %s, %s, %s, 2.5)",
            [row.observed_at, row.collected_at, row.selection_id, row.bookmaker_id],
        )
    assert PriceHistory.objects.count() == 1


@pytest.mark.django_db
def test_the_database_itself_rejects_a_current_price_of_no_selection():
    book, _ = Bookmaker.objects.get_or_create(key="pinnacle", defaults={"title": "Pinnacle"})
    missing = (Selection.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(IntegrityError), transaction.atomic():
            cursor.execute(
                "INSERT INTO odds_price (selection_id, bookmaker_id, price, observed_at, collected_at, last_seen_at)"
                " VALUES (%s, %s, 2.0, %s, %s, %s)",
                [missing, book.pk, at, at, at],
            )
    assert not Price.objects.exists()


def now_current() -> tuple:
    return Price.objects.values_list("price", "observed_at", "last_seen_at").get()


@pytest.mark.django_db
def test_when_a_price_was_last_seen_only_moves_forward_and_never_by_an_older_snapshot():
    t0 = datetime(2026, 11, 1, 11, tzinfo=UTC)
    t1, t2, t3, t4, t5 = (t0 + timedelta(hours=h) for h in (1, 2, 3, 4, 5))
    ingest_snapshot(snapshot=snapshot(quote("2.000", t1)), seen_at=t1)
    assert now_current() == (Decimal("2.000"), t1, t1)
    ingest_snapshot(snapshot=snapshot(quote("2.000", t1)), seen_at=t3)  # a collection finds it unchanged
    assert now_current() == (Decimal("2.000"), t1, t3)
    ingest_snapshot(snapshot=snapshot(quote("2.000", t1)), seen_at=t2)  # an older delivery of it
    ingest_snapshot(snapshot=snapshot(quote("2.000", t1)))  # an import: seen when observed, at t1
    assert now_current() == (Decimal("2.000"), t1, t3)
    ingest_snapshot(snapshot=snapshot(quote("2.100", t0)), seen_at=t4)  # an older observation, delivered late
    assert now_current() == (Decimal("2.000"), t1, t3)
    assert PriceHistory.objects.count() == 2  # history keeps the late change, and only changes
    ingest_snapshot(snapshot=snapshot(quote("2.000", t4)))  # observed again unchanged by an import
    assert now_current() == (Decimal("2.000"), t4, t4)
    ingest_snapshot(snapshot=snapshot(quote("2.200", t5)), seen_at=t5)
    assert now_current() == (Decimal("2.200"), t5, t5)
    assert PriceHistory.objects.count() == 3


@pytest.mark.django_db
def test_markets_skipped_as_unchanged_were_seen_by_the_collection(epl_jan15):
    first, second = datetime(2024, 1, 15, tzinfo=UTC), datetime(2024, 1, 16, tzinfo=UTC)
    ingest_odds(copy.deepcopy(epl_jan15), seen_at=first)
    rows = history()
    assert set(Price.objects.values_list("last_seen_at", flat=True)) == {first}
    snapshot, result = ingest_odds(copy.deepcopy(epl_jan15), seen_at=second)
    assert snapshot.unchanged == result.prices_seen == Price.objects.count()  # every market skipped
    assert set(Price.objects.values_list("last_seen_at", flat=True)) == {second}
    ingest_odds(copy.deepcopy(epl_jan15), seen_at=first)  # delivered again, older
    ingest_odds(copy.deepcopy(epl_jan15))  # imported again
    assert set(Price.objects.values_list("last_seen_at", flat=True)) == {second}
    assert history() == rows


@pytest.mark.django_db
def test_the_prices_at_kick_off_are_kept_before_a_snapshot_after_it_changes_or_withdraws_them(epl_jan15):
    from odds import store
    from odds.models import ClosingPrice, Event

    body = [copy.deepcopy(epl_jan15[0])]
    seen = datetime(2024, 1, 20, 12, 20, tzinfo=UTC)  # 10 minutes before kick-off
    ingest_odds(copy.deepcopy(body), seen_at=seen)
    event = Event.objects.get()
    at_kickoff = {row[:5]: row[5:] for row in Price.objects.values_list(*KEY, "price", "observed_at", "last_seen_at")}
    later = event.commence_time + timedelta(minutes=10)
    after = copy.deepcopy(body)
    gone = after[0]["bookmakers"].pop(0)["key"]  # the first book stops quoting in play
    for book in after[0]["bookmakers"]:
        for market in book["markets"]:
            market["last_update"] = (event.commence_time + timedelta(minutes=5)).isoformat()
            for outcome in market["outcomes"]:
                outcome["price"] = round(outcome["price"] + 0.5, 2)
    withdrawn = ingest_odds(copy.deepcopy(after), seen_at=later)[1].withdrawn
    assert withdrawn == sum(1 for key in at_kickoff if key[4] == gone)
    kept = {row[:5]: row[5:] for row in ClosingPrice.objects.values_list(*KEY, "price", "observed_at", "last_seen_at")}
    assert kept == at_kickoff
    ingest_odds(copy.deepcopy(body), seen_at=seen)  # the snapshot before kick-off, again
    ingest_odds(copy.deepcopy(after), seen_at=later + timedelta(minutes=1))  # and the one after
    assert {
        row[:5]: row[5:] for row in ClosingPrice.objects.values_list(*KEY, "price", "observed_at", "last_seen_at")
    } == kept
    # The withdrawn book's close: its price in force at kick-off, last seen 10 minutes before it.
    [sighting] = [
        s
        for s in store.kickoff_sightings(event_ids=[event.pk], markets=["h2h"])
        if s.outcome == event.home_team and s.bookmaker_id == Bookmaker.objects.get(key=gone).pk
    ]
    price, observed_at, _ = at_kickoff[(event.provider_id, "h2h", event.home_team, Decimal("0.00"), gone)]
    close = store.closing_quote(
        kickoff=event.commence_time,
        since=event.commence_time - timedelta(days=120),
        in_force=(float(price), observed_at),
        sighting=sighting,
    )
    assert close == store.Close(float(price), observed_at, seen)


class Ingestion:
    """``odds/tests/ingest_process.py`` in a process of its own, on the test database."""

    def __init__(self, path: Path, *, hold: bool) -> None:
        env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "PYTHONPATH": os.getcwd()}
        script = DATA.parent / "ingest_process.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(path), "hold" if hold else "go"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def line(self) -> str:
        return self.process.stdout.readline().strip()

    def release(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = 60) -> list[str]:
        out, _ = self.process.communicate(timeout=timeout)
        assert self.process.returncode == 0
        return out.split()


def a_minute_later(name: str, folder: Path) -> Path:
    """The saved response with every market updated a minute later at new prices, as a file."""
    body = load(name)
    for event in body:
        for book in event["bookmakers"]:
            for market in book["markets"]:
                moment = datetime.fromisoformat(market["last_update"]) + timedelta(minutes=1)
                market["last_update"] = moment.isoformat()
                for outcome in market["outcomes"]:
                    outcome["price"] = round(outcome["price"] + 0.01, 2)
    path = folder / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def waiting_on_a_lock(pid_count: int, deadline: float) -> bool:
    """Whether another backend of the test database waits on a lock (polled until the deadline)."""
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= pid_count:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_sports_are_ingested_at_once_by_two_processes(tmp_path):
    # Both sports collected once before, as every collection but the first finds them: their
    # bookmakers, events and (on TimescaleDB) the day's chunks exist.
    for name in ("epl_odds_2024-01-15.json", "nhl_odds.json"):
        ingest_odds(load(name))
    before = PriceHistory.objects.count()
    epl = Ingestion(a_minute_later("epl_odds_2024-01-15.json", tmp_path), hold=True)
    try:
        assert int(epl.line().split()[1]) > 0
        # While the first transaction is still open, the other sport goes all the way to its commit.
        nhl = Ingestion(a_minute_later("nhl_odds.json", tmp_path), hold=False)
        done = nhl.finish(timeout=60)
        assert done[-1] == "committed"
        assert int(done[1]) > 0
    finally:
        epl.release()
    assert epl.finish()[-1] == "committed"
    assert PriceHistory.objects.count() > before


@pytest.mark.django_db(transaction=True)
def test_the_same_response_ingested_by_two_processes_at_once_is_written_once():
    first = Ingestion(DATA / "epl_odds_2024-01-15.json", hold=True)
    try:
        written = int(first.line().split()[1])
        second = Ingestion(DATA / "epl_odds_2024-01-15.json", hold=False)
        # The second waits for the first's events instead of writing them a second time.
        assert waiting_on_a_lock(1, time.monotonic() + 30)
    finally:
        first.release()
    assert first.finish()[-1] == "committed"
    assert second.finish() == ["ingested", "0", "committed"]
    assert PriceHistory.objects.count() == written == 842
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM odds_pricehistory"
            " GROUP BY selection_id, bookmaker_id, observed_at HAVING count(*) > 1) d"
        )
        assert cursor.fetchone()[0] == 0
