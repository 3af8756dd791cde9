"""``make bench``: figures measured against the machine's own limits in the same run.

Every figure is a ratio to a reference measured seconds before on the same machine and database,
so the noise of the machine cancels: ingestion against a bare COPY, detection against merely
reading the prices, pages against a minimal authenticated page, storage in bytes per row, and
credits against polling every four hours. ``BENCH_SCALE=large`` grows odds history to 10 million
rows. Results are printed and written as JSON under ``var/bench/``.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import connection
from django.test.utils import CaptureQueriesContext

from monps.bulk import gc_paused
from monps.versions import raise_all

if TYPE_CHECKING:
    from django.test import Client

    from odds.ingest import Snapshot

SHARP = "pinnacle"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    spread: float | None = None  # half the range of the repeated measurements; None: measured once
    reference: float | None = None
    ratio: float | None = None
    bar: str = ""
    passed: bool | None = None
    queries: int | None = None

    def line(self) -> str:
        verdict = "" if self.passed is None else ("PASS" if self.passed else "FAIL")
        ref = f" ref {self.reference:.4g}" if self.reference is not None else ""
        ratio = f" ratio {self.ratio:.3g}" if self.ratio is not None else ""
        queries = f" [{self.queries} queries]" if self.queries is not None else ""
        spread = f"±{self.spread:.2g}" if self.spread is not None else ""
        return (
            f"{self.name:<46} {self.value:>12.4g} {self.unit:<10} {spread:<8}{ref}{ratio}"
            f"{queries}  bar {self.bar:<14} {verdict}"
        )


@dataclass
class Report:
    scale: str
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure


def timed(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> list[float]:
    durations = []
    for _ in range(repeat):
        if setup:
            setup()
        gc.collect()
        started = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - started)
    return durations


def spread(values: list[float]) -> float:
    return (max(values) - min(values)) / 2 if len(values) > 1 else 0.0


def rate_spread(count: int, durations: list[float]) -> float:
    """The spread of a rate of ``count`` items measured over these durations."""
    return spread([count / duration for duration in durations])


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --------------------------------------------------------------------------- data
BOOKS = [
    SHARP,
    "betfair_ex_eu",
    "bet365",
    "williamhill",
    "unibet_eu",
    "sport888",
    "betway",
    "bwin",
    "marathonbet",
    "coolbet",
    "nordicbet",
    "betsson",
    "matchbook",
    "smarkets",
    "paddypower",
    "skybet",
    "ladbrokes_uk",
    "coral",
    "betvictor",
    "boylesports",
    "livescorebet",
    "virginbet",
    "casumo",
    "leovegas",
    "mrgreen",
    "tipico_de",
    "onexbet",
    "sport888_2",
    "betclic",
    "winamax_fr",
]


def odds_response(events: int, books: int, *, seed: int = 1, start: datetime | None = None) -> list[dict]:
    """A /v4/sports/{sport}/odds body: every book prices h2h, spreads and totals (7 prices each)."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC) + timedelta(days=1)
    body = []
    for e in range(events):
        home, away = f"Home {e}", f"Away {e}"
        p_home = rng.uniform(0.25, 0.6)
        p_draw = rng.uniform(0.2, 0.3)
        p_away = 1 - p_home - p_draw
        p_over = rng.uniform(0.4, 0.6)
        p_cover = rng.uniform(0.4, 0.6)
        kickoff = start + timedelta(minutes=15 * e)
        bookmakers = []
        for b in range(books):
            # Soft books: 3-7% margin and their own opinion (up to 6% off), so about one price in a
            # hundred beats the sharp book's fair price by 2%, and detection has opportunities to write.
            margin = 0.025 if b == 0 else rng.uniform(0.03, 0.07)
            noise = 0 if b == 0 else 0.06

            def price(p: float, n: float = noise, m: float = margin) -> float:
                return round(1 / (max(p * rng.uniform(1 - n, 1 + n), 0.02) * (1 + m)), 2)

            update = (kickoff - timedelta(hours=rng.randint(1, 20))).strftime("%Y-%m-%dT%H:%M:%SZ")
            bookmakers.append(
                {
                    "key": BOOKS[b],
                    "title": BOOKS[b].title(),
                    "last_update": update,
                    "markets": [
                        {
                            "key": "h2h",
                            "last_update": update,
                            "outcomes": [
                                {"name": home, "price": price(p_home)},
                                {"name": away, "price": price(p_away)},
                                {"name": "Draw", "price": price(p_draw)},
                            ],
                        },
                        {
                            "key": "spreads",
                            "last_update": update,
                            "outcomes": [
                                {"name": home, "price": price(p_cover), "point": -0.5},
                                {"name": away, "price": price(1 - p_cover), "point": 0.5},
                            ],
                        },
                        {
                            "key": "totals",
                            "last_update": update,
                            "outcomes": [
                                {"name": "Over", "price": price(p_over), "point": 2.5},
                                {"name": "Under", "price": price(1 - p_over), "point": 2.5},
                            ],
                        },
                    ],
                }
            )
        body.append(
            {
                "id": f"{e:032x}",
                "sport_key": "soccer_bench",
                "sport_title": "Bench League",
                "commence_time": kickoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "home_team": home,
                "away_team": away,
                "bookmakers": bookmakers,
            }
        )
    return body


def truncate_odds() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE odds_pricehistory, odds_price, opportunities_opportunity, opportunities_surebet, "
            "opportunities_alert, bets_betchange, bets_bet, odds_selection, odds_event, "
            "odds_collectorrun, opportunities_detectionrun CASCADE"
        )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- 1. ingest
def bench_ingest(report: Report, repeat: int) -> str:
    from odds.providers.odds_api import decode_json, event_digest, ingest_odds, parse_odds

    body = odds_response(events=477, books=30)
    text = json.dumps(body)
    prices = sum(len(m["outcomes"]) for e in body for b in e["bookmakers"] for m in b["markets"])
    results = {}

    def ingest() -> None:
        results["last"] = ingest_odds(decode_json(text))[1]  # as the client decodes a response

    before = rss_mb()
    first = timed(ingest, repeat, setup=truncate_odds)
    peak = rss_mb()
    assert results["last"].history_written == prices, results["last"].history_written
    again = timed(ingest, repeat)
    rewritten = results["last"].history_written

    # The same rows as odds history holds them, in the form ingestion hands them to COPY (a price
    # names its selection and bookmaker by number; distinct values formatted once,
    # odds.ingest.CopyText): the reference stays the fastest way this machine loads them.
    snapshot = parse_odds(json.loads(text))
    rows = history_rows(snapshot)

    def bare_copy() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS bench_copy; CREATE UNLOGGED TABLE bench_copy (selection_id bigint, "
                "bookmaker_id smallint, price numeric(8,3), observed_at timestamptz, collected_at timestamptz)"
            )
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        timings.append(time.perf_counter() - started)

    timings: list[float] = []
    for _ in range(repeat):
        bare_copy()
    copy_rate = prices / statistics.median(timings)
    floor = write_floor(rows, repeat)

    def decode_and_parse() -> None:  # ingest_odds's work before the database, for a first snapshot
        payload = decode_json(text)
        with gc_paused():
            parse_odds(payload, known={}, digests={e["id"].strip(): event_digest(e) for e in payload})

    parsing = timed(decode_and_parse, repeat)

    def against_copy(name: str, durations: list[float], bar: str) -> Figure:
        rate = prices / statistics.median(durations)
        return Figure(
            name,
            rate,
            "prices/s",
            spread=rate_spread(prices, durations),
            reference=copy_rate,
            ratio=rate / copy_rate,
            bar=bar,
        )

    ingested = against_copy("ingest: prices per second (100k-price response)", first, ">= 0.333")
    ingested.passed = ingested.ratio >= 1 / 3
    report.add(ingested)
    # What any ingestion that keeps history and current prices must at least do: the same rows COPY'd
    # into tables shaped and indexed as those two, nothing parsed, nothing compared. Its ratio is the
    # highest the figure above can reach on this machine.
    report.add(against_copy("ingest: floor, COPY into history + current", floor, "(ingest's limit)"))
    # The other limit: the Python work that any ingestion of the response does before writing, with no
    # database at all. In sequence with the floor's writes it bounds the figure above again; overlapped
    # with them it could at best hide the shorter of the two.
    report.add(against_copy("ingest: decoding and parsing alone, no database", parsing, "(ingest's limit)"))
    speedup = statistics.median(first) / statistics.median(again)
    report.add(
        Figure(
            "ingest: re-ingest of the same response",
            statistics.median(again),
            "s",
            spread=spread(again),
            reference=statistics.median(first),
            ratio=speedup,
            bar="faster >= 3x",
            passed=speedup >= 3,
        )
    )
    report.add(
        Figure("ingest: history rows written on re-ingest", rewritten, "rows", bar="== 0", passed=rewritten == 0)
    )
    report.add(Figure("ingest: peak resident memory", peak, "MB", reference=before, bar="< 300 MB", passed=peak < 300))
    return text


def history_rows(snapshot: Snapshot) -> list[tuple]:
    """(selection, bookmaker, price, observed at, collected at) of each quote: an odds history row,
    numbered and formatted by ingestion's own ``quote_rows``."""
    from odds.ingest import quote_rows

    books: dict[str, int] = {}
    for event in snapshot.events:
        for q in event.quotes:
            books.setdefault(q.bookmaker, len(books) + 1)
    rows = quote_rows(snapshot, {index: index + 1 for index in range(len(snapshot.events))}, books)
    now = rows.text[datetime.now(UTC)]
    return [(*price, now) for price in rows.prices]


def write_floor(rows: list[tuple], repeat: int) -> list[float]:
    """Seconds to COPY these history rows into copies of odds_pricehistory and odds_price with their
    indexes and constraints, in one transaction as ingestion writes them."""
    from django.db import transaction

    columns = "selection_id, bookmaker_id, price, observed_at, collected_at"
    durations = []
    for _ in range(repeat):
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS bench_history, bench_current; "
                "CREATE TABLE bench_history (LIKE odds_pricehistory INCLUDING ALL); "
                "CREATE TABLE bench_current (LIKE odds_price INCLUDING ALL)"
            )
        gc.collect()
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")  # as ingestion commits
            for table in ("bench_history", "bench_current"):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        durations.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_history, bench_current")
    return durations


# --------------------------------------------------------------------------- 2. detection
def bench_detection(report: Report, repeat: int) -> None:
    from odds.models import Bookmaker, Price
    from opportunities.detection import QUOTES_SQL, STREAM_ROWS, detect
    from opportunities.models import Opportunity, Strategy

    pinnacle = Bookmaker.objects.get(key=SHARP)
    Strategy.objects.all().delete()
    Strategy.objects.create(
        name="bench",
        reference_bookmaker=pinnacle,
        devig_method="shin",
        min_edge=Decimal("0.02"),
        max_price_age_minutes=10**6,
    )
    count = Price.objects.count()
    # The prices were loaded a moment ago: give the planner the statistics that autovacuum gathers
    # within a minute of such a load, so that the plans measured (the reference's too) are those of
    # a database in use.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE odds_price, odds_selection, odds_event")

    params = {"now": datetime.now(UTC)}

    # The query with which detection reads every price (for a consensus strategy), with the collector
    # paused as detection runs it, read whole or streamed in detection's chunks (faster here): the
    # reference is the faster of the two, so it is the fastest way to have those prices in Python.
    def fetched() -> None:
        with gc_paused(), connection.cursor() as cursor:
            cursor.execute(QUOTES_SQL, params)
            cursor.fetchall()

    def streamed() -> None:
        with gc_paused(), connection.cursor() as cursor:
            list(cursor.cursor.stream(QUOTES_SQL, params, size=STREAM_ROWS))

    reading = min(timed(fetched, repeat), timed(streamed, repeat), key=statistics.median)
    # Every opportunity new (the worst case for writes), then every one seen again (a pass in use).
    passes = timed(lambda: detect(), repeat, setup=lambda: Opportunity.objects.all().delete())
    again = timed(lambda: detect(), repeat)
    # A consensus strategy needs every complete book's prices: with one active, detection reads them all.
    consensus = Strategy.objects.create(
        name="bench consensus", devig_method="multiplicative", min_books=3, min_edge=Decimal("0.03")
    )
    every = timed(lambda: detect(), repeat)
    consensus.delete()
    for label, durations, barred in (
        (f"full pass over {count} prices", passes, True),
        ("the same, every opportunity seen again", again, True),
        ("with a consensus strategy too (every price read)", every, False),
    ):
        ratio = statistics.median(durations) / statistics.median(reading)
        report.add(
            Figure(
                f"detection: {label}",
                statistics.median(durations),
                "s",
                spread=spread(durations),
                reference=statistics.median(reading),
                ratio=ratio,
                bar="<= 2x read" if barred else "(no bar: for reference)",
                passed=ratio <= 2 if barred else None,
            )
        )


# --------------------------------------------------------------------------- 3. pages
def grow_history(target_rows: int) -> int:
    """Add history rows with SQL until the table holds ``target_rows``, to the events that are over:
    the table grows the way it does in use (more finished events), while the pages measured look at
    today's events."""
    from odds.models import PriceHistory

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM odds_pricehistory")
        have = cursor.fetchone()[0]
        if have >= target_rows:
            return have
        past = "SELECT s.id FROM odds_selection s JOIN odds_event e ON e.id = s.event_id WHERE e.commence_time < now()"
        cursor.execute(f"SELECT count(*) FROM odds_price WHERE selection_id IN ({past})")
        keys = cursor.fetchone()[0]
        # each round adds one row per current price key at an older time
        rounds = max(1, -(-(target_rows - have) // max(keys, 1)))
        cursor.execute(
            f"""
            INSERT INTO odds_pricehistory (observed_at, collected_at, selection_id, bookmaker_id, price)
            SELECT p.observed_at - g * interval '37 minutes', p.observed_at - g * interval '37 minutes',
                   p.selection_id, p.bookmaker_id,
                   greatest(1.01, round((p.price * (0.9 + random() * 0.2))::numeric, 3))
            FROM odds_price p CROSS JOIN generate_series(1, %s) g
            WHERE p.selection_id IN ({past})
            ON CONFLICT DO NOTHING
            """,
            [rounds],
        )
        cursor.execute("ANALYZE odds_pricehistory")
    return PriceHistory.objects.count()


def more_events(events: int, seed: int) -> None:
    """Add events (in the past and future) through the ingestion path, so the event count grows too."""
    from odds.ingest import ingest_snapshot
    from odds.providers.odds_api import parse_odds

    start = datetime.now(UTC) - timedelta(days=20)
    for chunk in range(0, events, 500):
        body = odds_response(
            min(500, events - chunk), 30, seed=seed + chunk, start=start + timedelta(minutes=15 * 500 * (chunk // 500))
        )
        for e in body:
            e["id"] = f"{seed:08x}{chunk:08x}{e['id'][-16:]}"
        ingest_snapshot(snapshot=parse_odds(body))


def seed_bets(n: int) -> None:
    from bets.models import Bet, LedgerEntry
    from odds.models import Bookmaker, Event, Selection

    rng = random.Random(5)
    LedgerEntry.objects.get_or_create(kind="deposit", amount=Decimal("10000.00"), note="bench")
    books = list(Bookmaker.objects.exclude(key=SHARP).values_list("id", flat=True))
    selections = list(Selection.objects.filter(market="h2h").values_list("id", "event_id", "outcome")[:n])
    now = datetime.now(UTC)
    bets = []
    for i, (selection_id, event_id, outcome) in enumerate(selections):
        status = rng.choice(["won", "lost", "pending", "half_won", "lost"])
        price = Decimal(rng.choice(["1.800", "2.100", "3.400", "5.000"]))
        stake = Decimal(rng.randint(5, 50))
        profit = {"won": stake * (price - 1), "lost": -stake, "half_won": stake * (price - 1) / 2}.get(status)
        bets.append(
            Bet(
                event_id=event_id,
                selection_id=selection_id,
                market="h2h",
                outcome=outcome,
                bookmaker_id=rng.choice(books),
                price=price,
                stake=stake,
                status=status,
                profit=None if profit is None else profit.quantize(Decimal("0.01")),
                placed_at=now - timedelta(days=i % 60),
                settled_at=None if status == "pending" else now,
                clv=Decimal(rng.randint(-50, 80)) / 1000,
                strategy_name=rng.choice(["A", "B"]),
            )
        )
    Bet.objects.bulk_create(bets, batch_size=2000)
    assert Event.objects.exists()


PAGE_BLOCKS = 5


def page_times(
    client: Client, paths: dict[str, str], repeat: int, *, cached: bool
) -> dict[str, tuple[float, float, int, float]]:
    """p95, median, query count and spread of the p95 (half the range of the p95s of five blocks of
    consecutive rounds) of the server time of each path. ``cached``: as served between two
    writes (parts of pages and API answers come from the cache); otherwise every request first moves
    the data versions, so each one renders and queries everything afresh. Requests go round the
    paths in turn, so a slow spell of the machine falls on all of them alike."""
    counts = {}
    for name, path in paths.items():
        client.get(path)  # warm caches and connections
        if not cached:
            raise_all()
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        # Read now: every request start clears the query log that captured_queries slices.
        counts[name] = len(queries.captured_queries)
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeat):
        for name, path in paths.items():
            if not cached:
                raise_all()
            started = time.perf_counter()
            response = client.get(path)
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    block = max(repeat // PAGE_BLOCKS, 1)

    def blocks_spread(values: list[float]) -> float:
        return spread([p95(values[i : i + block]) for i in range(0, len(values), block)])

    return {
        name: (p95(values), statistics.median(values), counts[name], blocks_spread(values))
        for name, values in times.items()
    }


def add_page_figures(report: Report, times: dict, label: str, *, bar: bool) -> None:
    """One line a page: its p95 against the minimal page's of the same measurement."""
    base = times["minimal: /settings/"][0]
    for name, (value, _, queries, noise) in times.items():
        if name.startswith("minimal"):
            continue
        report.add(
            Figure(
                f"pages: {name} {label}",
                value * 1000,
                "ms p95",
                spread=noise * 1000,
                reference=base * 1000,
                ratio=value / base,
                bar="<= 5x minimal" if bar else "(every write)",
                passed=value / base <= 5 if bar else None,
                queries=queries,
            )
        )


def bench_pages(report: Report, repeat: int, sizes: list[int]) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from odds.models import Event
    from opportunities.detection import detect

    user, _ = get_user_model().objects.get_or_create(username="bench")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    more_events(1500, seed=11)
    seed_bets(2000)
    detect()
    event = Event.objects.filter(commence_time__gt=datetime.now(UTC)).order_by("commence_time").first()
    paths = {
        "minimal: /settings/": "/settings/",
        "/": "/",
        "/opportunities/": "/opportunities/",
        f"/events/{event.pk}/": f"/events/{event.pk}/",
        "/bets/": "/bets/",
        "/stats/": "/stats/",
        "/api/odds/matches/": "/api/odds/matches/",
        f"/api/odds/history/{event.pk}/": f"/api/odds/history/{event.pk}/",
        "/api/bets/": "/api/bets/",
        "/api/opportunities/": "/api/opportunities/",
        "/api/opportunities/top/": "/api/opportunities/top/",
        "/api/stats/global/": "/api/stats/global/",
        "/api/stats/bankroll/": "/api/stats/bankroll/",
        "/api/stats/performance/": "/api/stats/performance/",
        "/api/collector/status/": "/api/collector/status/",
    }
    uncached = []
    for rows in sizes:
        total = grow_history(rows)
        # Measured in a process set up as a web worker is (monps/wsgi.py): what was loaded before
        # the first request is frozen, out of the garbage collector's way.
        gc.collect()
        gc.freeze()
        try:
            served = page_times(client, paths, repeat, cached=True)
            fresh = page_times(client, paths, repeat, cached=False)
        finally:
            gc.unfreeze()
        uncached.append((total, fresh))
        base, _, _, noise = served["minimal: /settings/"]
        report.add(
            Figure(f"pages: minimal authenticated page @ {total} rows", base * 1000, "ms p95", spread=noise * 1000)
        )
        add_page_figures(report, served, f"@ {total:.2g} rows", bar=True)
        add_page_figures(report, fresh, f"uncached @ {total:.2g} rows", bar=False)
    # Growth with the data is judged on the uncached pages, the work that grows if anything does, by
    # medians: a ratio of two ratios magnifies the noise of a p95 of 50 requests.
    (small_rows, small), (large_rows, large) = uncached[0], uncached[-1]
    minimal = "minimal: /settings/"
    for name in paths:
        if name == minimal:
            continue
        growth = (large[name][1] / large[minimal][1]) / (small[name][1] / small[minimal][1])
        same = large[name][2] == small[name][2]
        report.add(
            Figure(
                f"pages: {name} growth {small_rows:.2g} -> {large_rows:.2g} rows",
                growth,
                "x median",
                bar="< 1.5x, same queries",
                passed=growth < 1.5 and same,
                queries=large[name][2] if same else -1,
            )
        )


# --------------------------------------------------------------------------- 4. storage
def bench_storage(report: Report) -> None:
    from monps.timescale import TIMESCALEDB, active_path

    timescale = active_path(connection) == TIMESCALEDB
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE odds_pricehistory")
        # A hypertable's own relation is empty: its rows and indexes are in its chunks.
        size = "hypertable_size('odds_pricehistory')" if timescale else "pg_total_relation_size('odds_pricehistory')"
        cursor.execute(f"SELECT {size}, count(*) FROM odds_pricehistory")
        size, rows = cursor.fetchone()
        # The bar of 80 is plain PostgreSQL's; on TimescaleDB the bar is on the compressed rows, and
        # rows not compressed yet (the last week) also pay for their chunks' own indexes.
        report.add(
            Figure(
                f"storage: bytes per history row ({rows} rows)",
                size / rows,
                "bytes",
                bar="(uncompressed)" if timescale else "<= 80",
                passed=None if timescale else size / rows <= 80,
            )
        )
        if timescale:
            cursor.execute("SELECT count(compress_chunk(c, true)) FROM show_chunks('odds_pricehistory') c")
            cursor.execute("SELECT hypertable_size('odds_pricehistory')")  # on disk now, every part counted
            compressed = cursor.fetchone()[0]
            report.add(
                Figure(
                    "storage: bytes per row after compression",
                    compressed / rows,
                    "bytes",
                    bar="<= 15",
                    passed=compressed / rows <= 15,
                )
            )


# --------------------------------------------------------------------------- 5. credits
def fixture_lists(monday: datetime) -> dict[str, list[datetime]]:
    """A realistic week for 10 sports: football weekends, daily basketball and hockey, NFL Sun/Mon/Thu."""
    day = timedelta(days=1)

    def at(d: int, h: int, m: int = 0) -> datetime:
        return monday + d * day + timedelta(hours=h, minutes=m)

    football = [at(5, 12, 30), *[at(5, 15)] * 5, at(5, 17, 30), at(6, 14), at(6, 16, 30), at(7, 20)]
    return {
        "soccer_epl": football,
        "soccer_spain_la_liga": [
            at(4, 20),
            at(5, 13),
            at(5, 15, 15),
            at(5, 17, 30),
            at(5, 20),
            at(6, 13),
            at(6, 15, 15),
            at(6, 17, 30),
            at(6, 20),
            at(7, 20),
        ],
        "soccer_germany_bundesliga": [at(4, 19, 30), *[at(5, 14, 30)] * 5, at(5, 17, 30), at(6, 14, 30), at(6, 16, 30)],
        "soccer_italy_serie_a": [
            at(5, 14),
            at(5, 17),
            at(5, 19, 45),
            at(6, 11, 30),
            at(6, 14),
            at(6, 14),
            at(6, 17),
            at(6, 19, 45),
            at(7, 17, 30),
            at(7, 19, 45),
        ],
        "soccer_uefa_champs_league": [*[at(1, 17, 45)] * 2, *[at(1, 20)] * 6, *[at(2, 17, 45)] * 2, *[at(2, 20)] * 6],
        "basketball_nba": [at(d, h) for d in range(7) for h in (0, 0, 1, 1, 2, 3, 3)],
        "icehockey_nhl": [at(d, h, 30) for d in range(7) for h in (0, 0, 1, 2, 3)],
        "americanfootball_nfl": [at(3, 1, 15), *[at(6, 18)] * 9, *[at(6, 21, 5)] * 3, at(7, 1, 20), at(8, 1, 15)],
        "tennis_atp_finals": [at(d, h) for d in range(6) for h in (12, 19)],
        "baseball_kbo": [at(d, 9, 30) for d in range(1, 7) for _ in range(5)],
    }


def bench_credits(report: Report) -> None:
    from odds.schedule import collection_due

    monday = datetime(2026, 11, 2, tzinfo=UTC)
    cost = 3  # h2h, spreads, totals in one region: the same for both schedules
    ours = theirs = captured_ours = captured_theirs = events = 0
    for kickoffs in fixture_lists(monday).values():
        calls, now = [], monday
        while now < monday + timedelta(days=8):
            if collection_due(now=now, kickoffs=kickoffs, last_collection=calls[-1] if calls else None).due:
                calls.append(now)
            now += timedelta(minutes=5)
        polls = [monday + timedelta(hours=4 * i) for i in range(8 * 6)]
        window = timedelta(minutes=15)
        in_week = [k for k in kickoffs if k < monday + timedelta(days=8)]
        events += len(in_week)
        captured_ours += sum(any(k - window <= c < k for c in calls) for k in in_week)
        captured_theirs += sum(any(k - window <= c < k for c in polls) for k in in_week)
        ours += len(calls) * cost
        theirs += len(polls) * cost
    report.add(
        Figure(
            "credits: a week of 10 sports, monps schedule",
            ours,
            "credits",
            reference=theirs,
            ratio=ours / theirs,
            bar="< 4-hourly",
            passed=ours < theirs,
        )
    )
    report.add(
        Figure(
            "credits: closing line captured (monps)",
            100 * captured_ours / events,
            "% events",
            reference=100 * captured_theirs / events,
            bar=">= 95%",
            passed=captured_ours / events >= 0.95,
        )
    )


def run(scale: str = "small") -> Report:
    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    sizes = [200_000, 1_000_000] if scale == "small" else [200_000, 10_000_000]
    report = Report(scale)
    print(f"monps bench, scale {scale}: figure, median, spread, reference, ratio, bar", flush=True)
    bench_ingest(report, repeat)
    bench_detection(report, repeat)
    bench_credits(report)
    bench_pages(report, max(repeat * 10, 50), sizes)
    bench_storage(report)
    failed = [f for f in report.figures if f.passed is False]
    print(f"{len([f for f in report.figures if f.passed])} PASS, {len(failed)} FAIL", flush=True)
    out = Path(os.environ.get("MONPS_VAR", "var")) / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{scale}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps({"scale": scale, "figures": [asdict(f) for f in report.figures]}, indent=2))
    print(f"written {path}", flush=True)
    return report
