"""A simulated season for backtest tests: 1X2 lines of a sharp book and three soft ones (an exchange
with a commission and a stake unit, a book with a stake limit, a book without an account), each
priced two days before kick-off and again ten minutes before, ingested as an import; then results."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from odds.models import Bookmaker, Event
from opportunities.tests.factories import NOW, h2h_event

OPENING, CLOSING = timedelta(days=2), timedelta(minutes=10)
SOFT = ("bet365", "betfair_ex_eu", "williamhill", "unibet_eu")
ACCOUNTS: dict[str, dict[str, Any]] = {
    "betfair_ex_eu": {"commission": Decimal("0.02"), "stake_rounding": Decimal("2.00"), "is_exchange": True},
    "williamhill": {"max_stake": Decimal("8.00"), "stake_rounding": Decimal("0.50")},
    "unibet_eu": {"active": False},
}


@dataclass
class Line:
    event: Event
    opening: dict[str, dict[str, float]]  # book: {"H"|"D"|"A": price}
    closing: dict[str, dict[str, float]]


def _prices(rng: random.Random, fair: list[float], margin: float, noise: float) -> dict[str, float]:
    shares = [p * rng.uniform(1 - noise, 1 + noise) for p in fair]
    total = sum(shares)
    return {k: round(max(1.02, 1 / (s / total * (1 + margin))), 2) for k, s in zip("HDA", shares, strict=True)}


def simulated_season(*, seed: int = 7, events: int = 20, start: datetime = NOW) -> list[Line]:
    """``events`` matches two days apart, the last two at the same time (so that a result is not
    known when the next bet is staked); every match finished."""
    rng = random.Random(seed)
    lines = []
    for i in range(events):
        kickoff = start + timedelta(days=2 * min(i, events - 2))
        home = rng.uniform(0.25, 0.6)
        draw = rng.uniform(0.2, 0.3)
        fair = [home, draw, 1 - home - draw]
        moved = [p * rng.uniform(0.9, 1.1) for p in fair]
        moved = [p / sum(moved) for p in moved]
        opening = {"pinnacle": _prices(rng, fair, 0.025, 0.0)} | {b: _prices(rng, fair, 0.05, 0.12) for b in SOFT}
        closing = {"pinnacle": _prices(rng, moved, 0.025, 0.0)} | {b: _prices(rng, moved, 0.05, 0.12) for b in SOFT}
        names = {"home": f"Home {i}", "away": f"Away {i}"}
        h2h_event(f"sim-{i}", opening, kickoff=kickoff, observed_at=kickoff - OPENING, **names)
        event = h2h_event(f"sim-{i}", closing, kickoff=kickoff, observed_at=kickoff - CLOSING, **names)
        lines.append(Line(event, opening, closing))
    for line in lines:
        home_goals, away_goals = rng.choice([(2, 1), (1, 1), (0, 1), (3, 0), (0, 0), (1, 2)])
        Event.objects.filter(pk=line.event.pk).update(completed=True, home_score=home_goals, away_score=away_goals)
        line.event.refresh_from_db()
    for key, account in ACCOUNTS.items():
        Bookmaker.objects.filter(key=key).update(**account)
    return lines
