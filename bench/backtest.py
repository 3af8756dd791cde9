"""Backtests over five seasons of a league, every market: a saved run against the command's replay of
the same, and a 3 × 3 grid against one saved run.

The seasons are football-data.co.uk files as the site writes them (the 2023/24 Premier League
layout: six books' and the market's opening and closing 1X2, totals 2.5 and Asian handicap), made
from a seed and imported through ``import_football_data``'s parser: about 29,000 history rows a
season, as a real season leaves."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

from bench.report import Report, against, timed

SEASONS = 5
TEAMS = 20
BOOKS_1X2 = ("B365", "BW", "IW", "PS", "WH", "VC")
BOOKS_OTHER = ("B365", "P")  # totals and Asian handicap, as the 2023/24 files have them
BAR_RUN = 1.5
BAR_GRID = 3
GRID = {"min_edge": [0.01, 0.02, 0.03], "kelly_fraction": [0.25, 0.5, 1.0]}


def _header() -> list[str]:
    header = ["Div", "Date", "Time", "HomeTeam", "AwayTeam", "FTHG", "FTAG", "FTR"]
    for closing in ("", "C"):
        header += [f"{b}{closing}{o}" for b in BOOKS_1X2 for o in "HDA"]
        header += [f"{agg}{closing}{o}" for agg in ("Max", "Avg") for o in "HDA"]
        header += [f"{b}{closing}{side}2.5" for b in (*BOOKS_OTHER, "Max", "Avg") for side in "><"]
        header += [f"AH{closing or ''}h"] + [f"{b}{closing}AH{s}" for b in (*BOOKS_OTHER, "Max", "Avg") for s in "HA"]
    return header


def _two_way(rng: random.Random, p: float, margin: float, noise: float) -> tuple[float, float]:
    q = min(max(p * rng.uniform(1 - noise, 1 + noise), 0.05), 0.95)
    return round(1 / (q * (1 + margin)), 2), round(1 / ((1 - q) * (1 + margin)), 2)


def season_csv(first_year: int, rng: random.Random) -> str:
    """One season of 380 matches, 38 weekends of ten from mid-August, with every book's prices."""
    header = _header()
    out = io.StringIO()
    writer = csv.DictWriter(out, header)
    writer.writeheader()
    teams = [f"Team {t}" for t in range(1, TEAMS + 1)]
    start = date(first_year, 8, 12)
    for week in range(38):
        day = start + timedelta(weeks=week)
        order = teams[:]
        rng.shuffle(order)
        for home, away in zip(order[::2], order[1::2], strict=True):
            row: dict[str, object] = {"Div": "E0", "Date": f"{day:%d/%m/%Y}", "Time": "15:00"}
            goals = rng.choice([(0, 0), (1, 0), (1, 1), (2, 1), (0, 1), (2, 0), (1, 2), (3, 1), (2, 2), (0, 2)])
            row |= {"HomeTeam": home, "AwayTeam": away, "FTHG": goals[0], "FTAG": goals[1]}
            row["FTR"] = "H" if goals[0] > goals[1] else "A" if goals[1] > goals[0] else "D"
            p_home, p_draw = rng.uniform(0.25, 0.6), rng.uniform(0.2, 0.3)
            fair = {"H": p_home, "D": p_draw, "A": 1 - p_home - p_draw}
            p_over, line = rng.uniform(0.35, 0.65), rng.choice([-1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5])
            for closing in ("", "C"):
                moved = {k: v * rng.uniform(0.93, 1.07) for k, v in fair.items()}
                total = sum(moved.values())
                for book in BOOKS_1X2:
                    sharp = book == "PS"
                    margin, noise = (0.025, 0.0) if sharp else (rng.uniform(0.04, 0.07), 0.06)
                    shares = {k: v / total * rng.uniform(1 - noise, 1 + noise) for k, v in moved.items()}
                    scale = sum(shares.values())
                    for outcome, share in shares.items():
                        row[f"{book}{closing}{outcome}"] = round(max(1.02, 1 / (share / scale * (1 + margin))), 2)
                for outcome in "HDA":
                    prices = [float(str(row[f"{b}{closing}{outcome}"])) for b in BOOKS_1X2]
                    row[f"Max{closing}{outcome}"] = max(prices)
                    row[f"Avg{closing}{outcome}"] = round(sum(prices) / len(prices), 2)
                row[f"AH{closing}h"] = line
                for kind, p in ((("{b}{c}>2.5", "{b}{c}<2.5"), p_over), (("{b}{c}AHH", "{b}{c}AHA"), 0.5)):
                    for book in (*BOOKS_OTHER, "Max", "Avg"):
                        sharp = book == "P"
                        first, second = _two_way(rng, p, 0.025 if sharp else 0.05, 0.0 if sharp else 0.05)
                        row[kind[0].format(b=book, c=closing)] = first
                        row[kind[1].format(b=book, c=closing)] = second
            writer.writerow(row)
    return out.getvalue()


def load_seasons(seasons: int = SEASONS, seed: int = 22) -> int:
    """Import the seasons (2019/20 on) into the emptied odds tables; the history rows written."""
    from odds.ingest import ingest_snapshot
    from odds.providers.football_data import parse_csv

    rng = random.Random(seed)
    written = 0
    for year in range(2019, 2019 + seasons):
        written += ingest_snapshot(snapshot=parse_csv(season_csv(year, rng)).snapshot).history_written
    return written


def bench_backtest(report: Report, repeat: int) -> None:
    """A saved run (read, replay, bets and figures written) against the command's replay of the same
    rules (read and replay, printed and forgotten); a saved 3 × 3 grid against the saved run."""
    from bench.data import truncate_odds
    from odds.models import Bookmaker
    from opportunities.backtest import BacktestRules, run_backtest, selected_events
    from opportunities.backtest_runs import RunRequest, execute_backtest, start_backtest
    from opportunities.models import BacktestRun, Strategy

    truncate_odds()
    rows = load_seasons()
    BacktestRun.objects.all().delete()
    Strategy.objects.filter(name__startswith="bench").delete()
    # The command's defaults as a saved strategy: the same bets, so the ratio is what saving adds.
    strategy = Strategy.objects.create(
        name="bench backtest",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="shin",
        min_edge=Decimal("0.02"),
        min_price=Decimal("1.010"),
        max_price=Decimal("1000.000"),
        markets="h2h,spreads,totals",
    )
    repeat = max(1, min(repeat, 3))

    def command() -> None:
        run_backtest(rules=BacktestRules(), events=selected_events(sport="soccer_epl"))

    def saved(grid: dict[str, list[float]] | None = None) -> None:
        run = start_backtest(request=RunRequest(strategy=strategy.pk, grid=grid), user=None)
        execute_backtest(run_id=run.pk, holder=f"bench-{run.pk}")

    replayed = timed(command, repeat)
    one = timed(saved, repeat)
    grid = timed(lambda: saved(GRID), repeat)
    name = f"backtest: a saved run, {SEASONS} seasons, every market ({rows} history rows)"
    report.add(against(name, one, replayed, bar=BAR_RUN))
    report.add(against("backtest: a saved 3 × 3 grid (min edge × Kelly fraction)", grid, one, bar=BAR_GRID))
