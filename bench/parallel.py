"""Two sports' responses ingested by two processes at once, against the same two one after the other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connection

from bench.data import odds_response, price_count, truncate_odds
from bench.report import Figure, Report, median, spread

SPORTS = ("soccer_bench", "basketball_bench")
BAR = 0.8


def child_env() -> dict[str, str]:
    """The environment of a process the bench starts: this checkout's code, the bench database."""
    from devtools.testing import database_url

    return {
        **os.environ,
        "PYTHONPATH": str(settings.BASE_DIR),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
    }


def _pipes(child: subprocess.Popen[str]) -> tuple[IO[str], IO[str]]:
    """A child's stdin and stdout: both pipes (``start_child``)."""
    assert child.stdin is not None
    assert child.stdout is not None
    return child.stdin, child.stdout


def start_child(path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.ingest_child", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
    )
    if _pipes(child)[1].readline().strip() != "ready":
        child.kill()
        raise RuntimeError("an ingestion process did not start")
    return child


def release(children: list[subprocess.Popen[str]], prices: int) -> float:
    """Let these processes ingest at once; the seconds until the last one is done."""
    started = time.perf_counter()
    for child in children:
        stdin, _ = _pipes(child)
        stdin.write("\n")
        stdin.flush()
    written = [int(_pipes(child)[1].readline()) for child in children]
    elapsed = time.perf_counter() - started
    for child in children:
        child.wait(60)
    assert written == [prices] * len(children), written
    return elapsed


def bench_parallel(report: Report, repeat: int, workdir: Path) -> None:
    from odds.providers.odds_api import ingest_odds

    workdir.mkdir(parents=True, exist_ok=True)
    bodies = [odds_response(seed=21 + i, sport_key=sport, first_id=(i + 1) << 100) for i, sport in enumerate(SPORTS)]
    prices = price_count(bodies[0])
    assert all(price_count(body) == prices for body in bodies)
    paths = []
    for sport, body in zip(SPORTS, bodies, strict=True):
        path = workdir / f"{sport}.json"
        path.write_text(json.dumps(body))
        paths.append(path)
    # Sports and bookmakers exist before the timed runs: a first insert of a catalog row serialises
    # concurrent transactions, which is not what is measured.
    truncate_odds()
    for body in bodies:
        ingest_odds(body)
    env = child_env()
    alone, together = [], []
    for _ in range(repeat):
        truncate_odds()
        alone.append(sum(release([start_child(path, env)], prices) for path in paths))
        truncate_odds()
        together.append(release([start_child(path, env) for path in paths], prices))
    ratio = median(together) / median(alone)
    report.add(
        Figure(
            "ingest: two sports by two processes at once",
            median(together),
            "s",
            spread=spread(together),
            reference=median(alone),
            ratio=ratio,
            bar=f"<= {BAR}x one after other",
            passed=ratio <= BAR,
        )
    )
