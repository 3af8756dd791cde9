"""Every page and API list, served fresh, against a minimal authenticated page, as history grows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.data import past_events, seed_bets
from bench.history import History
from bench.report import Figure, Report, median, p95, spread

if TYPE_CHECKING:
    from django.test import Client

MINIMAL = "minimal: /settings/"
BAR = 10
GROWTH_BAR = 1.5
BLOCKS = 5  # the spread of a p95: half the range of the p95s of five blocks of consecutive rounds


@dataclass
class Served:
    p95: float
    median: float
    queries: int
    spread: float


def page_times(client: Client, paths: dict[str, str], repeat: int) -> dict[str, Served]:
    """The server time of each path over ``repeat`` rounds, and its query count. Requests go round
    the paths in turn, so a slow spell of the machine falls on all of them alike."""
    counts = {}
    for name, path in paths.items():
        client.get(path)  # warm connections and loaded code
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        # Read now: every request start clears the query log that captured_queries slices.
        counts[name] = len(queries.captured_queries)
    times: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(repeat):
        for name, path in paths.items():
            started = time.perf_counter()
            response = client.get(path)
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    block = max(repeat // BLOCKS, 1)
    return {
        name: Served(
            p95(values),
            median(values),
            counts[name],
            spread([p95(values[i : i + block]) for i in range(0, len(values), block)]),
        )
        for name, values in times.items()
    }


def bench_pages(report: Report, repeat: int, sizes: list[int]) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from odds.models import Event
    from opportunities.detection import detect

    user, _ = get_user_model().objects.get_or_create(username="bench")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    # A year of finished events (a year of daily chunks on TimescaleDB), bets, and opportunities.
    past_events(1500, seed=11, span=timedelta(days=365))
    seed_bets(2000)
    detect()
    event = Event.objects.filter(commence_time__gt=datetime.now(UTC)).order_by("commence_time").first()
    if event is None:
        raise RuntimeError("pages: no event to come in the bench's database")
    paths = {
        MINIMAL: "/settings/",
        **{
            path: path
            for path in (
                "/",
                "/odds/",
                "/opportunities/",
                f"/events/{event.pk}/",
                "/bets/",
                "/stats/",
                "/api/odds/matches/",
                f"/api/odds/history/{event.pk}/",
                "/api/bets/",
                "/api/opportunities/",
                "/api/opportunities/top/",
                "/api/stats/global/",
                "/api/stats/bankroll/",
                "/api/stats/performance/",
                "/api/collector/status/",
            )
        },
    }
    history = History()
    measured: list[tuple[int, dict[str, Served]]] = []
    for target in sizes:
        rows = history.grow(target)
        served = page_times(client, paths, repeat)
        measured.append((rows, served))
        base = served[MINIMAL]
        report.add(Figure(f"pages: {MINIMAL} @ {rows:.2g} rows", base.p95 * 1000, "ms p95", spread=base.spread * 1000))
        for name, page in served.items():
            if name == MINIMAL:
                continue
            report.add(
                Figure(
                    f"pages: {name} @ {rows:.2g} rows",
                    page.p95 * 1000,
                    "ms p95",
                    spread=page.spread * 1000,
                    reference=base.p95 * 1000,
                    ratio=page.p95 / base.p95,
                    bar=f"<= {BAR}x minimal",
                    passed=page.p95 / base.p95 <= BAR,
                    queries=page.queries,
                )
            )
    # Growth by medians: a ratio of two ratios magnifies the noise of a p95 of 50 requests.
    (first_rows, first), (last_rows, last) = measured[0], measured[-1]
    for name in paths:
        if name == MINIMAL:
            continue
        growth = (last[name].median / last[MINIMAL].median) / (first[name].median / first[MINIMAL].median)
        counts = {served[name].queries for _, served in measured}
        report.add(
            Figure(
                f"pages: {name} growth {first_rows:.2g} -> {last_rows:.2g} rows",
                growth,
                "x median",
                bar=f"< {GROWTH_BAR}x, same queries",
                passed=growth < GROWTH_BAR and len(counts) == 1,
                queries=counts.pop() if len(counts) == 1 else -1,
            )
        )
