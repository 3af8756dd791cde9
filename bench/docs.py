"""docs/performance.md: what each figure measures and how, and the latest figures on each storage path,
rendered from the JSON of the last whole run on each (``docs/bench/plain.json``,
``docs/bench/timescaledb.json``); and the line each run appends to ``docs/performance-history.md``.

``python -m bench.docs`` (``make bench-report``) rewrites the page from those files and measures
nothing; a whole ``make bench`` run writes its own path's file, then does the same.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from bench import SIZES
from bench.report import Figure, Report

ROOT = Path(__file__).resolve().parents[1]
PATHS = {"plain": "Plain PostgreSQL", "timescaledb": "TimescaleDB"}
PAGE = "performance.md"
HISTORY = "performance-history.md"

HISTORY_HEADER = """# Benchmark runs

One line per whole `make bench` run, appended by the run itself; the last run on each storage path
is in `bench/<path>.json`, and its figures in `performance.md`.

| date (UTC) | scale | database | commit | pass | fail | minutes |
|---|---|---|---|---|---|---|
"""

# (figure names it describes, what the figure is, what its ratio or comparison is against)
MEASURES = [
    (
        "ingest: prices per second",
        "A generated 100,000-price `/odds` response (`bench/data.py`), decoded as the client decodes it "
        "and ingested into empty odds tables",
        "the floor: ours / floor",
    ),
    (
        "ingest: floor",
        "The same rows COPY'd into copies of the history and current-price tables (keys and indexes "
        "included) in one durable transaction: what any ingestion that keeps both must at least do",
        "the reference of the ingest rates",
    ),
    ("ingest: decoding and parsing", "The Python part of ingestion, no database", "the floor"),
    (
        "ingest: re-ingest",
        "The same response ingested again: nothing changed",
        "the first ingestion: first / again",
    ),
    ("ingest: history rows written", "History rows written by that re-ingestion", ""),
    ("ingest: peak resident memory", "The bench process's peak resident memory after the ingestions", "before them"),
    (
        "ingest: A, B, A, B",
        "Snapshot A, then B (books withdrawn, prices moved), then A and B again: rows the second round "
        "writes; the current prices must be those the first round left",
        "",
    ),
    (
        "ingest: two sports",
        "Two sports' responses ingested by two processes released at once",
        "the same two one after the other",
    ),
    (
        "alerts: collection's response",
        "From the loopback `/odds` endpoint serving a response with one planted value price to the "
        "alert's webhook POST, through a real Celery worker and Redis; the other `alerts:` rows say "
        "where the time goes",
        "ingesting and detecting the same response in the bench's process",
    ),
    (
        "detection: full pass",
        "A detection pass over every current price (a Pinnacle strategy, Shin's method), every opportunity new",
        "reading the same prices into Python with detection's own query, whole or streamed, whichever is faster",
    ),
    ("detection: the same", "The same pass again, every opportunity seen again", "the same read"),
    (
        "detection: with a consensus",
        "A pass with a consensus strategy active too, which reads every complete book's prices",
        "the same read",
    ),
    (
        "backtest: a saved run",
        "Five generated seasons of a league in football-data.co.uk's layout (`bench/backtest.py`: six "
        "books' and the market's opening and closing 1X2, totals and Asian handicap), imported, then a "
        "saved run of a strategy with the command's rules: history read, every line valued, bets, "
        "figures and breakdowns written",
        "`manage.py backtest`'s replay of the same rules (read and valued, nothing written)",
    ),
    (
        "backtest: a saved 3 × 3 grid",
        "The same run over minimum edge 1, 2, 3% × Kelly fraction 0.25, 0.5, 1: the history read once, "
        "each line valued once, nine stakings",
        "the saved run",
    ),
    (
        "credits: a week",
        "A week of fixtures of 10 sports (`bench/credits.py`) replayed every 5 minutes through "
        "`odds/schedule.py`, 3 credits a call",
        "polling every 4 hours",
    ),
    (
        "credits: closing line",
        "Events with a collection in the 15 minutes before kick-off",
        "polling every 4 hours",
    ),
    (
        "pages: minimal",
        "p95 server time of `/settings/`, a minimal authenticated page, in the same rounds",
        "the reference of the pages",
    ),
    (
        "pages: PATH @ ROWS",
        "p95 server time of each page and API list through Django's test client, logged in, at each "
        "history size, the paths requested in turn; queries: the page's query count",
        "the minimal page at the same size",
    ),
    (
        "pages: PATH growth",
        "A page's time as a ratio to the minimal page's (by medians) at the largest size, over the "
        "same at the smallest; its query count must not change",
        "",
    ),
    (
        "storage:",
        "Bytes per odds history row (table and indexes, the key's included) at the largest size; on "
        "TimescaleDB after compressing every chunk (`hypertable_size`), barred from 10 million rows",
        "",
    ),
    (
        "load:",
        "The site served as `make run` serves it (gunicorn, a worker, the demo market ticking): "
        "locust with 1 user, then 50 (p95 of each request), then 50 logins at once while 5 sessions "
        "browse",
        "the same request with 1 user",
    ),
]
# Where a description's names are not a prefix of its figures' names.
PATTERNS = {"pages: PATH @ ROWS": r"pages: (?!minimal).* @ ", "pages: PATH growth": r"pages: .* growth "}
UNBARRED = {"", "(for reference)", "(the reference)"}


class ReportError(Exception):
    """A bench JSON file the report needs is missing or is not a run's: the message names it."""


@dataclass
class Run:
    """Where and when a run measured: what its section's header says."""

    started: datetime
    minutes: float
    scale: str
    database: str  # "plain" or "timescaledb"
    server: str  # the database server's version line
    machine: str
    commit: str

    @property
    def command(self) -> str:
        return bench_command(self.database, self.scale)


def bench_command(database: str, scale: str = "small") -> str:
    """The command that measures this storage path at this scale."""
    command = "make bench" if scale == "small" else f"BENCH_SCALE={scale} make bench"
    if database != "plain":
        command = f"BENCH_DATABASE_URL=postgresql://… TIMESCALE_MODE=on {command}"
    return command


def machine() -> str:
    """CPU model, cores, memory and load average at the start: the machine's share of the noise."""
    model = ""
    memory = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kb = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("Mem"))
        memory = f", {int(kb) / 2**20:.0f} GB"
    except (OSError, StopIteration):
        pass
    one, five, fifteen = os.getloadavg()
    load = f", load {one:.2f} {five:.2f} {fifteen:.2f} at the start"
    return f"{model or platform.processor()}, {os.cpu_count()} cores{memory}{load}; Python {platform.python_version()}"


def commit(root: Path) -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + (" (modified)" if dirty.stdout.strip() else "")


def run_json(report: Report, run: Run) -> str:
    """A run as the bench writes it: where it ran, and every figure."""
    context = {**asdict(run), "started": run.started.isoformat()}
    return json.dumps({"scale": report.scale, "run": context, "figures": [asdict(f) for f in report.figures]}, indent=2)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def read_run(path: Path, database: str) -> tuple[Report, Run]:
    """The run this file holds; ReportError naming the file if it is missing or not a run's JSON."""
    if not path.exists():
        raise ReportError(f"{_shown(path)} is missing: a whole `{bench_command(database)}` run writes it")
    try:
        saved = json.loads(path.read_text())
        context = saved["run"]
        run = Run(**{**context, "started": datetime.fromisoformat(context["started"])})
        report = Report(saved["scale"], [Figure(**figure) for figure in saved["figures"]])
    except (ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{_shown(path)} is not a bench run's JSON ({type(exc).__name__}: {exc})") from exc
    if run.database != database:
        raise ReportError(f"{_shown(path)} holds a run on {run.database!r}, not {database!r}")
    return report, run


def _number(value: float | None, digits: str = ".4g") -> str:
    return "" if value is None else format(value, digits)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def table_row(figure: Figure) -> str:
    spread = f"±{figure.spread:.2g}" if figure.spread is not None else ""
    queries = "" if figure.queries is None else str(figure.queries)
    return _row(
        [
            figure.name,
            _number(figure.value),
            figure.unit,
            spread,
            _number(figure.reference),
            _number(figure.ratio, ".3g"),
            queries,
            figure.bar,
            figure.verdict,
        ]
    )


def bars(names: str, runs: dict[str, Report]) -> str:
    """The bars the figures of this description had in these runs, each once, said per storage
    path where the paths' bars differ."""
    pattern = PATTERNS.get(names, re.escape(names))
    found = {
        database: [f.bar for f in report.figures if re.match(pattern, f.name)] for database, report in runs.items()
    }
    barred = {
        database: list(dict.fromkeys(bar for bar in bars if bar not in UNBARRED))
        for database, bars in found.items()
        if bars  # a path that did not measure it has no say
    }
    if not barred:
        return "not in these runs"
    if len({tuple(bars) for bars in barred.values()}) == 1:
        return "; ".join(next(iter(barred.values()))) or "(for reference)"
    return "; ".join(f"{PATHS[database]}: {', '.join(bars) or '(for reference)'}" for database, bars in barred.items())


def _sizes(sizes: list[int]) -> str:
    shown = [f"{size:,}" for size in sizes]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)


def performance_page(runs: dict[str, tuple[Report, Run]]) -> str:
    """The page, from the last run on each storage path."""
    reports = {database: report for database, (report, _) in runs.items()}
    sources = ", ".join(f"`docs/bench/{database}.json`" for database in runs)
    lines = [
        "# Performance",
        "",
        "Generated by `make bench-report` from the last whole run of `make bench` on each storage path",
        f"({sources}); `make bench` regenerates it after measuring.",
        f"Do not edit by hand. One line per run: [{HISTORY}]({HISTORY}).",
        "",
        "## How the figures are measured",
        "",
        "Each figure is measured against a reference taken moments before in the same run, on the same",
        "machine and database, so the machine's noise falls on both: compare ratios between runs, not times.",
        "A figure is the median of its repetitions (`BENCH_REPEAT`, default 5) and its spread half their",
        "range; a page's figure is the p95 of its rounds, its spread half the range of the p95s of five",
        "blocks of them. The bench builds its own data in a database of its own. The scale sets the sizes",
        f"odds history is grown to for the pages and storage: small {_sizes(SIZES['small'])} rows, large",
        f"(`BENCH_SCALE=large`) {_sizes(SIZES['large'])}.",
        "`BENCH_STEPS=load,pages` runs only those steps and leaves this page as it is.",
        "",
        "| figures | what | against | bar |",
        "|---|---|---|---|",
        *(_row([f"`{names}`", what, against or "", bars(names, reports)]) for names, what, against in MEASURES),
        "",
    ]
    for database, (report, run) in runs.items():
        lines += [
            f"## {PATHS[database]}",
            "",
            f"Measured by `{run.command}`.",
            "",
            f"- date: {run.started:%Y-%m-%d %H:%M} UTC, {run.minutes:.0f} minutes",
            f"- machine: {run.machine}",
            f"- database: {run.server}",
            f"- commit: {run.commit}",
            f"- scale: {run.scale}",
            f"- result: {len(report.passed)} pass, {len(report.failed)} fail",
            "",
            "| figure | value | unit | spread | reference | ratio | queries | bar | verdict |",
            "|---|---:|---|---|---:|---:|---:|---|---|",
            *(table_row(figure) for figure in report.figures),
            "",
        ]
    return "\n".join(lines)


def write_performance(docs: Path) -> Path:
    """Rewrite ``docs/performance.md`` from ``docs/bench/<path>.json`` of every storage path; its path."""
    runs = {database: read_run(docs / "bench" / f"{database}.json", database) for database in PATHS}
    page = docs / PAGE
    page.write_text(performance_page(runs))
    return page


def history_line(report: Report, run: Run) -> str:
    return (
        f"| {run.started:%Y-%m-%d %H:%M} | {run.scale} | {run.database} | {run.commit} | "
        f"{len(report.passed)} | {len(report.failed)} | {run.minutes:.0f} |"
    )


def record_run(report: Report, run: Run, docs: Path) -> Path:
    """A whole run: its path's JSON under ``docs/bench/``, its history line, the page rewritten; the page."""
    (docs / "bench").mkdir(parents=True, exist_ok=True)
    (docs / "bench" / f"{run.database}.json").write_text(run_json(report, run) + "\n")
    history = docs / HISTORY
    if not history.exists():
        history.write_text(HISTORY_HEADER)
    with history.open("a") as out:
        out.write(history_line(report, run) + "\n")
    return write_performance(docs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=ROOT / "docs", help="the docs folder (default: this checkout's)")
    docs = parser.parse_args(argv).docs
    try:
        page = write_performance(docs)
    except ReportError as exc:
        print(f"bench report: {exc}", file=sys.stderr)
        return 1
    print(f"written {_shown(page)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
