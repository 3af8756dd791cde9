"""Credits a week of ten sports costs on monps's schedule, against polling every four hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.report import Figure, Report


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
        calls: list[datetime] = []
        now = monday
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
