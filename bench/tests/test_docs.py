"""docs/performance.md rendered from bench runs' JSON, without measuring anything."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from bench.docs import ROOT, history_line, performance_page, read_run, record_run, write_performance

DATA = Path(__file__).with_name("data")  # made-up runs in the bench's format: data/README.md


def docs_with(tmp_path: Path, *databases: str) -> Path:
    docs = tmp_path / "docs"
    (docs / "bench").mkdir(parents=True)
    for database in databases:
        shutil.copy(DATA / f"{database}.json", docs / "bench" / f"{database}.json")
    return docs


def section(page: str, title: str) -> list[str]:
    """The lines of a section of the page, its title excluded, up to the next section."""
    lines = page.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in lines.splitlines() if line]


def report(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench.docs", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_the_report_renders_each_paths_last_run(tmp_path):
    docs = docs_with(tmp_path, "plain", "timescaledb")
    done = report("--docs", str(docs))
    assert (done.returncode, done.stderr) == (0, "")
    page = (docs / "performance.md").read_text()
    # Figures formatted as bench.docs.table_row does: format(value, ".4g"), ratio ".3g", spread "±" ".2g".
    assert section(page, "Plain PostgreSQL") == [
        "Measured by `make bench`.",
        "- date: 2026-03-01 12:00 UTC, 12 minutes",
        "- machine: a CPU, 2 cores",
        "- database: PostgreSQL 16.4",
        "- commit: abc1234",
        "- scale: small",
        "- result: 2 pass, 1 fail",
        "| figure | value | unit | spread | reference | ratio | queries | bar | verdict |",
        "|---|---:|---|---|---:|---:|---:|---|---|",
        "| ingest: prices per second (100k-price response) | 2.68e+04 | prices/s | ±1.2e+04 | 1.484e+05 | 0.181 |"
        "  | >= 0.5 of floor | FAIL |",
        "| pages: / @ 4e+05 rows | 12.5 | ms p95 |  | 3.1 | 4.03 | 9 | <= 10x minimal | PASS |",
        "| storage: bytes per history row (1045170 rows) | 117.5 | bytes |  |  |  |  | <= 120 | PASS |",
    ]
    assert section(page, "TimescaleDB") == [
        "Measured by `BENCH_DATABASE_URL=postgresql://… TIMESCALE_MODE=on make bench`.",
        "- date: 2026-03-01 13:30 UTC, 7 minutes",
        "- machine: a CPU, 2 cores",
        "- database: PostgreSQL 15.18, TimescaleDB 2.28.3",
        "- commit: def5678",
        "- scale: small",
        "- result: 0 pass, 1 fail",
        "| figure | value | unit | spread | reference | ratio | queries | bar | verdict |",
        "|---|---:|---|---|---:|---:|---:|---|---|",
        "| ingest: prices per second (100k-price response) | 1.547e+04 | prices/s | ±2.9e+03 | 6.638e+04 | 0.233 |"
        "  | >= 0.5 of floor | FAIL |",
        "| storage: bytes per history row, compressed (1045170 rows) | 81.03 | bytes |  |  |  |  | (<= 15 at 10M) |  |",
    ]


def test_the_how_table_gives_each_description_the_bars_its_figures_had(tmp_path):
    docs = docs_with(tmp_path, "plain", "timescaledb")
    page = write_performance(docs).read_text()
    rows = [line for line in section(page, "How the figures are measured") if line.startswith("| `")]
    bars = {row.split(" | ")[0].removeprefix("| "): row.split(" | ")[-1].removesuffix(" |") for row in rows}
    assert bars["`ingest: prices per second`"] == ">= 0.5 of floor"
    assert bars["`pages: PATH @ ROWS`"] == "<= 10x minimal"
    assert bars["`storage:`"] == "Plain PostgreSQL: <= 120; TimescaleDB: (<= 15 at 10M)"
    assert {name for name, bar in bars.items() if bar == "not in these runs"} == {
        f"`{name}`"
        for name in (
            *("ingest: floor", "ingest: decoding and parsing", "ingest: re-ingest", "ingest: history rows written"),
            *("ingest: peak resident memory", "ingest: A, B, A, B", "ingest: two sports"),
            *("alerts: collection's response", "detection: full pass", "detection: the same"),
            *("detection: with a consensus", "credits: a week", "credits: closing line", "pages: minimal"),
            *("pages: PATH growth", "load:", "backtest: a saved run", "backtest: a saved 3 × 3 grid"),
        )
    }


def test_the_report_names_the_missing_file_and_fails(tmp_path):
    docs = docs_with(tmp_path, "plain")
    done = report("--docs", str(docs))
    assert done.returncode == 1
    assert done.stderr == (
        f"bench report: {docs / 'bench' / 'timescaledb.json'} is missing: a whole "
        "`BENCH_DATABASE_URL=postgresql://… TIMESCALE_MODE=on make bench` run writes it\n"
    )
    assert not (docs / "performance.md").exists()


def test_the_report_refuses_a_file_that_is_not_a_runs(tmp_path):
    docs = docs_with(tmp_path, "plain", "timescaledb")
    saved = json.loads((DATA / "plain.json").read_text())
    del saved["run"]  # as the bench wrote its JSON before it recorded where it ran
    (docs / "bench" / "plain.json").write_text(json.dumps(saved))
    done = report("--docs", str(docs))
    assert done.returncode == 1
    assert done.stderr == (
        f"bench report: {docs / 'bench' / 'plain.json'} is not a bench run's JSON (KeyError: 'run')\n"
    )


def test_a_whole_run_writes_its_paths_json_its_history_line_and_the_page(tmp_path):
    docs = docs_with(tmp_path, "timescaledb")
    measured, run = read_run(DATA / "plain.json", "plain")
    page = record_run(measured, run, docs)
    record_run(measured, run, docs)
    assert read_run(docs / "bench" / "plain.json", "plain") == (measured, run)
    history = (docs / "performance-history.md").read_text().splitlines()
    assert history[-2:] == ["| 2026-03-01 12:00 | small | plain | abc1234 | 2 | 1 | 12 |"] * 2
    assert history_line(measured, run) == history[-1]
    runs = {database: read_run(DATA / f"{database}.json", database) for database in ("plain", "timescaledb")}
    assert page.read_text() == performance_page(runs)


def test_the_committed_page_is_what_the_report_renders_from_the_committed_runs():
    bench = ROOT / "docs" / "bench"
    runs = {database: read_run(bench / f"{database}.json", database) for database in ("plain", "timescaledb")}
    assert (ROOT / "docs" / "performance.md").read_text() == performance_page(runs)
