"""``make bench``: figures measured against the machine's own limits in the same run.

Every figure is a ratio to a reference measured moments before on the same machine and database,
so the noise of the machine cancels: ingestion against the floor of its writes, two processes at
once against one after the other, detection against merely reading the prices, an alert's latency
through the worker against ingesting and detecting, pages against a minimal authenticated page,
storage in bytes per row, credits against polling every four hours, a saved backtest against the
command's replay of it and a grid against one run, the site served as ``make run``
serves it with 50 locust users against one (``docs/performance.md`` says how each is taken).
``BENCH_STEPS`` (e.g. ``load``) runs only those steps, and leaves the docs as they are. ``--scale
large`` (``BENCH_SCALE=large``) grows odds history to 10 million rows. The figures are printed and
written as JSON under ``var/``; a whole run also writes its storage path's ``docs/bench/<path>.json``,
adds a line to ``docs/performance-history.md`` and regenerates ``docs/performance.md`` (``bench.docs``).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report import Report

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.db.backends.base.base import BaseDatabaseWrapper

SIZES = {"small": [400_000, 1_000_000], "large": [400_000, 1_000_000, 10_000_000]}


def run(scale: str = "small") -> Report:
    from django.conf import settings
    from django.db import connection

    from bench.alerts import bench_alerts
    from bench.backtest import bench_backtest
    from bench.credits import bench_credits
    from bench.data import odds_response, truncate_odds
    from bench.detection import bench_detection
    from bench.docs import Run, commit, machine, record_run, run_json
    from bench.history import on_timescaledb
    from bench.ingest import bench_ingest, bench_withdrawals
    from bench.load import bench_load
    from bench.pages import bench_pages
    from bench.parallel import bench_parallel
    from bench.storage import bench_storage
    from odds.providers.odds_api import ingest_odds

    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    out = Path(os.environ.get("MONPS_VAR", "var")) / "bench"
    started, clock = datetime.now(UTC), time.monotonic()
    context = Run(
        started=started,
        minutes=0,
        scale=scale,
        database="timescaledb" if on_timescaledb() else "plain",
        server=server_version(connection),
        machine=machine(),
        commit=commit(settings.BASE_DIR),
    )
    report = Report(scale)
    print(f"monps bench, scale {scale}, {context.database}: figure, median, spread, reference, ratio, bar", flush=True)

    def detection() -> None:
        truncate_odds()
        ingest_odds(odds_response())
        bench_detection(report, repeat)

    steps: dict[str, Callable[[], None]] = {
        "ingest": lambda: bench_ingest(report, repeat),
        "withdrawals": lambda: bench_withdrawals(report),
        "parallel": lambda: bench_parallel(report, 3, out),
        "alerts": lambda: bench_alerts(report, 3, out),
        "detection": detection,
        "credits": lambda: bench_credits(report),
        "backtest": lambda: bench_backtest(report, repeat),
        "pages": lambda: bench_pages(report, max(repeat * 10, 50), SIZES[scale]),
        "storage": lambda: bench_storage(report),
        "load": lambda: bench_load(report, out),
    }
    chosen = [s.strip() for s in os.environ.get("BENCH_STEPS", "").split(",") if s.strip()] or list(steps)
    unknown = set(chosen) - set(steps)
    if unknown:
        raise ValueError(f"BENCH_STEPS: no step {', '.join(sorted(unknown))} (steps: {', '.join(steps)})")
    for name in chosen:
        steps[name]()
    print(f"{len(report.passed)} PASS, {len(report.failed)} FAIL", flush=True)
    context.minutes = (time.monotonic() - clock) / 60
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{scale}-{started:%Y%m%dT%H%M%S}.json"
    path.write_text(run_json(report, context))
    if chosen != list(steps):  # the docs hold whole runs
        print(f"written {path} (BENCH_STEPS: docs left as they are)", flush=True)
        return report
    page = record_run(report, context, Path(settings.BASE_DIR) / "docs")
    print(f"written {path} and {page}", flush=True)
    return report


def server_version(connection: BaseDatabaseWrapper) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
        timescale = cursor.fetchone()
    return version + (f", TimescaleDB {timescale[0]}" if timescale else "")
