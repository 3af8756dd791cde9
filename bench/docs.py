"""The measurements page a run regenerates under docs/, and the history line it appends."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench.report import Figure, Report

HISTORY_HEADER = """# Benchmark runs

One line per `make bench` run, appended by the run itself (its figures: `benchmarks.md`, or
`benchmarks-timescaledb.md` for a run on TimescaleDB).

| date (UTC) | scale | database | commit | pass | fail | minutes |
|---|---|---|---|---|---|---|
"""


@dataclass
class Run:
    """Where and when a run measured: what its page's header says."""

    started: datetime
    minutes: float
    scale: str
    database: str  # "plain" or "timescaledb"
    server: str  # the database server's version line
    machine: str
    commit: str

    @property
    def page(self) -> str:
        return "benchmarks.md" if self.database == "plain" else f"benchmarks-{self.database}.md"


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


def _number(value: float | None, digits: str = ".4g") -> str:
    return "" if value is None else format(value, digits)


def table_row(figure: Figure) -> str:
    spread = f"±{figure.spread:.2g}" if figure.spread is not None else ""
    queries = "" if figure.queries is None else str(figure.queries)
    cells = [
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
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def markdown_page(report: Report, run: Run) -> str:
    regenerate = "make bench" if run.scale == "small" else "BENCH_SCALE=large make bench"
    if run.database != "plain":
        regenerate = f"BENCH_DATABASE_URL=postgresql://… TIMESCALE_MODE=on {regenerate}"
    lines = [
        f"# Benchmarks ({'plain PostgreSQL' if run.database == 'plain' else 'TimescaleDB'}, {run.scale} scale)",
        "",
        "Written by the last run of `make bench` on this database path; do not edit by hand. Regenerate it",
        f"with `{regenerate}`; every run also appends a line to `benchmarks-history.md`.",
        "Each figure is measured against a reference taken in the same run on the same machine, so the ratio",
        "is what to compare between runs, not the times.",
        "",
        f"- date: {run.started:%Y-%m-%d %H:%M} UTC, {run.minutes:.0f} minutes",
        f"- machine: {run.machine}",
        f"- database: {run.server}",
        f"- commit: {run.commit}",
        f"- result: {len(report.passed)} pass, {len(report.failed)} fail",
        "",
        "| figure | median | unit | spread | reference | ratio | queries | bar | verdict |",
        "|---|---:|---|---|---:|---:|---:|---|---|",
        *(table_row(figure) for figure in report.figures),
        "",
    ]
    return "\n".join(lines)


def history_line(report: Report, run: Run) -> str:
    return (
        f"| {run.started:%Y-%m-%d %H:%M} | {run.scale} | {run.database} | {run.commit} | "
        f"{len(report.passed)} | {len(report.failed)} | {run.minutes:.0f} |"
    )


def write_docs(report: Report, run: Run, directory: Path) -> Path:
    """Regenerate the run's page and append its line to the history; the page's path."""
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / run.page
    page.write_text(markdown_page(report, run))
    history = directory / "benchmarks-history.md"
    if not history.exists():
        history.write_text(HISTORY_HEADER)
    with history.open("a") as out:
        out.write(history_line(report, run) + "\n")
    return page
