"""Ingestion of a 100,000-price response against the floor of its writes; re-ingestion; the
failing case of older snapshots re-imported after withdrawals."""

from __future__ import annotations

import gc
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction

from bench.data import (
    current_prices,
    history_count,
    odds_response,
    price_count,
    truncate_odds,
    withdrawn_response,
)
from bench.report import Figure, Report, median, rate_spread, spread, timed

if TYPE_CHECKING:
    from odds.ingest import Snapshot

PEAK_MB = 300


def rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_ingest(report: Report, repeat: int) -> None:
    """The first ingestion of the response into empty tables against the floor, and re-ingestion."""
    from odds.providers.odds_api import decode_json, ingest_odds, parse_odds

    body = odds_response()
    text = json.dumps(body)
    prices = price_count(body)
    results = {}

    def ingest() -> None:
        results["last"] = ingest_odds(decode_json(text))[1]  # as the client decodes a response

    before = rss_mb()
    first = timed(ingest, repeat, setup=truncate_odds)
    peak = rss_mb()
    assert results["last"].history_written == prices, results["last"].history_written
    written = history_count()
    again = timed(ingest, repeat)
    rewritten = history_count() - written

    floor = write_floor(history_rows(parse_odds(json.loads(text))), repeat)
    parsing = timed(lambda: parse_odds(decode_json(text), known={}), repeat)

    def rate(name: str, durations: list[float], bar: str, passed: bool | None = None) -> Figure:
        value = prices / median(durations)
        reference = prices / median(floor)
        return Figure(
            name,
            value,
            "prices/s",
            spread=rate_spread(prices, durations),
            reference=reference,
            ratio=value / reference,
            bar=bar,
            passed=passed,
        )

    ratio = median(floor) / median(first)
    report.add(rate("ingest: prices per second (100k-price response)", first, ">= 0.5 of floor", ratio >= 0.5))
    # What any ingestion that keeps history and current prices must at least do: the same rows COPY'd
    # into tables shaped and indexed as those two, nothing parsed, nothing compared.
    report.add(rate("ingest: floor, COPY into history + current", floor, "(the reference)"))
    # The Python part of the figure above, with no database at all.
    report.add(rate("ingest: decoding and parsing alone, no database", parsing, "(for reference)"))
    speedup = median(first) / median(again)
    report.add(
        Figure(
            "ingest: re-ingest of the same response",
            median(again),
            "s",
            spread=spread(again),
            reference=median(first),
            ratio=speedup,
            bar="faster >= 3x",
            passed=speedup >= 3,
        )
    )
    report.add(
        Figure("ingest: history rows written on re-ingest", rewritten, "rows", bar="== 0", passed=rewritten == 0)
    )
    report.add(
        Figure(
            "ingest: peak resident memory",
            peak,
            "MB",
            reference=before,
            bar=f"< {PEAK_MB} MB",
            passed=peak < PEAK_MB,
        )
    )


def history_rows(snapshot: Snapshot) -> list[tuple[int, int, str, str, str]]:
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


def write_floor(rows: list[tuple[int, int, str, str, str]], repeat: int) -> list[float]:
    """Seconds to COPY these rows into copies of odds_pricehistory and odds_price (their keys and
    indexes included), in one transaction with a durable commit, as ingestion writes them."""
    columns = "selection_id, bookmaker_id, price, observed_at, collected_at"
    # A current price also holds when it was last seen: the collection's time, like collected_at.
    current = [(*row, row[-1]) for row in rows]
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
            for table, names, copied in (
                ("bench_history", columns, rows),
                ("bench_current", f"{columns}, last_seen_at", current),
            ):
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in copied:
                        copy.write_row(row)
        durations.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_history, bench_current")
    return durations


def bench_withdrawals(report: Report) -> None:
    """Snapshots A, B (withdrawals and moved prices), A again, B again: the second round writes
    nothing, and leaves the current prices as the first round did."""
    from odds.providers.odds_api import ingest_odds

    first = odds_response()
    later = withdrawn_response(first)
    truncate_odds()
    ingest_odds(first)
    withdrawn = ingest_odds(later)[1].withdrawn
    after_first_round = current_prices()
    written = history_count()
    ingest_odds(first)
    ingest_odds(later)
    rewritten = history_count() - written
    same = current_prices() == after_first_round
    report.add(
        Figure(
            f"ingest: A, B, A, B: rows written by round two ({withdrawn} withdrawn)",
            rewritten,
            "rows",
            bar="== 0, same prices",
            passed=rewritten == 0 and same and withdrawn > 0,
        )
    )
    if not same:
        print("  current prices after round two differ from those after round one", flush=True)
