"""Bytes per odds history row, table and indexes (the key's included), at the largest size measured."""

from __future__ import annotations

from django.db import connection

from bench.history import compress_chunks, on_timescaledb
from bench.report import Figure, Report

PLAIN_BAR = 120
COMPRESSED_BAR = 15
COMPRESSED_BAR_ROWS = 10_000_000  # the compressed bar is set at this size


def bench_storage(report: Report) -> None:
    timescale = on_timescaledb()
    if timescale:
        compress_chunks()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE odds_pricehistory")
        # A hypertable's own relation is empty: its rows, indexes and compressed batches are its chunks'.
        size = "hypertable_size('odds_pricehistory')" if timescale else "pg_total_relation_size('odds_pricehistory')"
        cursor.execute(f"SELECT {size}, count(*) FROM odds_pricehistory")
        size, rows = cursor.fetchone()
    per_row = size / rows
    if timescale:
        barred = rows >= COMPRESSED_BAR_ROWS
        report.add(
            Figure(
                f"storage: bytes per history row, compressed ({rows} rows)",
                per_row,
                "bytes",
                bar=f"<= {COMPRESSED_BAR}" if barred else f"(<= {COMPRESSED_BAR} at 10M)",
                passed=per_row <= COMPRESSED_BAR if barred else None,
            )
        )
    else:
        report.add(
            Figure(
                f"storage: bytes per history row ({rows} rows)",
                per_row,
                "bytes",
                bar=f"<= {PLAIN_BAR}",
                passed=per_row <= PLAIN_BAR,
            )
        )
