"""Finished events with prices, written through the real ingestion path, for calibration tests."""

from datetime import timedelta

import pytest

from odds.tests.factories import EventOddsFactory, ingest
from opportunities.tests.factories import NOW, quotes

KICKOFF = NOW - timedelta(days=10)
OPENED, CLOSED, IN_PLAY = timedelta(days=-2), timedelta(minutes=-10), timedelta(minutes=30)


def snapshot(provider_id: str, home: str, away: str, at: timedelta, prices: dict, **kwargs) -> None:
    """One snapshot of an event's prices observed at ``KICKOFF + at``; ``prices`` by factories.quotes."""
    kickoff = kwargs.pop("kickoff", KICKOFF)
    market = kwargs.pop("market", "h2h")
    point = kwargs.pop("point", 0)
    event = EventOddsFactory(
        provider_id=provider_id,
        home_team=home,
        away_team=away,
        commence_time=kickoff,
        quotes=quotes(home, prices, market=market, point=point, observed_at=kickoff + at),
        **kwargs,
    )
    ingest(event, collected_at=kickoff + at)


def result(provider_id: str, home: str, away: str, score: tuple[int, int], kickoff=KICKOFF) -> None:
    event = EventOddsFactory(
        provider_id=provider_id, home_team=home, away_team=away, commence_time=kickoff, completed=True
    )
    event.home_score, event.away_score = score
    ingest(event, collected_at=kickoff + timedelta(hours=3))


def h2h(home: str, away: str, book: str, prices: tuple[float, float, float]) -> dict:
    return {book: dict(zip((home, "Draw", away), prices, strict=True))}


@pytest.fixture
def season():
    """Three finished events with pinnacle's closing prices chosen so that the multiplicative method
    gives round probabilities (1.9, 3.8, 3.8 -> 0.5, 0.25, 0.25), and events that do not count."""
    snapshot("e1", "Arsenal", "Chelsea", OPENED, h2h("Arsenal", "Chelsea", "pinnacle", (2.0, 3.4, 3.9)))
    snapshot("e1", "Arsenal", "Chelsea", CLOSED, h2h("Arsenal", "Chelsea", "pinnacle", (1.9, 3.8, 3.8)))
    snapshot("e1", "Arsenal", "Chelsea", IN_PLAY, h2h("Arsenal", "Chelsea", "pinnacle", (1.2, 6.0, 12.0)))
    result("e1", "Arsenal", "Chelsea", (2, 1))
    snapshot("e2", "Leeds", "Fulham", CLOSED, h2h("Leeds", "Fulham", "pinnacle", (1.6, 4.8, 4.8)))
    result("e2", "Leeds", "Fulham", (1, 1))
    snapshot("e3", "Wolves", "Spurs", CLOSED, h2h("Wolves", "Spurs", "pinnacle", (3.8, 3.8, 1.9)))
    result("e3", "Wolves", "Spurs", (1, 0))
    # Totals: 2.5 on two events; a quarter line and a whole one, which can push, are never scored.
    for point in (2.5, 2.25, 3):
        snapshot(
            "e1", "Arsenal", "Chelsea", CLOSED, {"pinnacle": {"Over": 1.9, "Under": 1.9}}, market="totals", point=point
        )
    snapshot("e2", "Leeds", "Fulham", CLOSED, {"pinnacle": {"Over": 2.4, "Under": 1.6}}, market="totals", point=2.5)
    # Not counted: no result yet; pinnacle quotes no draw (another book does); a draw on a two-way line.
    snapshot("e4", "Spurs", "Wolves", CLOSED, h2h("Spurs", "Wolves", "pinnacle", (2.0, 3.5, 3.5)), kickoff=NOW)
    snapshot("e5", "Everton", "Leeds", CLOSED, {"pinnacle": {"Everton": 2.0, "Leeds": 3.0}})
    snapshot("e5", "Everton", "Leeds", CLOSED, h2h("Everton", "Leeds", "bet365", (2.0, 3.3, 3.6)))
    result("e5", "Everton", "Leeds", (0, 0))
