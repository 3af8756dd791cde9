"""An event whose prices tell a story, ingested the way collectors put prices in: three bookmakers
quote the match result, two handicap lines and two totals over four snapshots (not every book every
line), with Pinnacle the sharp book a strategy takes for the truth. ``story_event`` makes one that
has not started, or (``finished``) one that kicked off, was quoted in play and has its result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from odds.ingest import EventOdds, Quote, Snapshot, ingest_snapshot
from odds.markets import line_of
from odds.models import H2H, SPREADS, TOTALS, Event
from odds.tests.factories import EventOddsFactory, QuoteFactory

HOME, AWAY = "Northbridge", "Kingsport"
BOOKS = {"pinnacle": "Pinnacle", "bet365": "Bet365", "williamhill": "William Hill"}
SNAPSHOTS = (timedelta(hours=6), timedelta(hours=4), timedelta(hours=2), timedelta(minutes=30))  # before the last
PRICE = Decimal("0.01")

# (market, point of the first outcome, {outcome: point}) -> {book: {outcome: price at each snapshot}}
LINES: dict[tuple[str, Decimal], dict[str, dict[str, tuple[str, ...]]]] = {
    (H2H, Decimal(0)): {
        "pinnacle": {
            HOME: ("2.10", "2.05", "2.00", "1.95"),
            "Draw": ("3.50", "3.55", "3.60", "3.65"),
            AWAY: ("3.80", "3.90", "4.05", "4.25"),
        },
        "bet365": {
            HOME: ("2.05", "2.05", "2.10", "2.00"),
            "Draw": ("3.40", "3.40", "3.50", "3.50"),
            AWAY: ("3.70", "3.80", "3.80", "4.00"),
        },
        "williamhill": {
            HOME: ("2.00", "2.10", "2.05", "2.05"),
            "Draw": ("3.30", "3.40", "3.40", "3.45"),
            AWAY: ("3.60", "3.60", "3.75", "3.90"),
        },
    },
    (SPREADS, Decimal("-0.5")): {
        "pinnacle": {HOME: ("2.12", "2.07", "2.02", "1.97"), AWAY: ("1.80", "1.84", "1.88", "1.93")},
        "bet365": {HOME: ("2.05", "2.05", "2.00", "1.95"), AWAY: ("1.75", "1.80", "1.83", "1.85")},
        "williamhill": {HOME: ("2.00", "2.05", "2.00", "1.95"), AWAY: ("1.72", "1.75", "1.80", "1.85")},
    },
    (SPREADS, Decimal("-1.5")): {
        "pinnacle": {HOME: ("3.60", "3.50", "3.40", "3.30"), AWAY: ("1.33", "1.35", "1.37", "1.39")},
        "bet365": {HOME: ("3.50", "3.40", "3.40", "3.25"), AWAY: ("1.30", "1.32", "1.33", "1.35")},
    },
    (TOTALS, Decimal("2.5")): {
        "pinnacle": {"Over": ("1.90", "1.85", "1.95", "2.00"), "Under": ("1.98", "2.04", "1.93", "1.88")},
        "bet365": {"Over": ("1.85", "1.85", "1.90", "1.95"), "Under": ("1.95", "1.95", "1.90", "1.85")},
        "williamhill": {"Over": ("1.83", "1.80", "1.88", "1.91"), "Under": ("1.93", "1.98", "1.90", "1.85")},
    },
    (TOTALS, Decimal("3.5")): {
        "pinnacle": {"Over": ("3.20", "3.10", "3.30", "3.40"), "Under": ("1.37", "1.39", "1.35", "1.33")},
    },
}
IN_PLAY = {HOME: "1.40", "Draw": "4.50", AWAY: "8.00"}  # pinnacle's match result half an hour after kick-off


@dataclass(frozen=True)
class Story:
    event: Event
    kickoff: datetime
    times: tuple[datetime, ...]  # each snapshot's time, in order


def story_event(*, now: datetime, finished: bool = False, provider_id: str = "story") -> Story:
    """Kick-off 3 hours after ``now``, or (``finished``) 1 hour before it with a half-hour in play
    quoted and a 2-1 result; snapshots 6 h, 4 h, 2 h and 30 min before the last moment before kick-off
    that a snapshot came (``now`` for one that has not started)."""
    kickoff = now - timedelta(hours=1) if finished else now + timedelta(hours=3)
    last = kickoff if finished else now
    times = tuple(last - ago for ago in SNAPSHOTS)
    for index, at in enumerate(times):
        quotes = [
            _quote(book, market, line, outcome, prices[index], at)
            for (market, line), books in LINES.items()
            for book, outcomes in books.items()
            for outcome, prices in outcomes.items()
        ]
        _ingest(_odds(provider_id, kickoff, quotes), at)
    if finished:
        at = kickoff + timedelta(minutes=30)
        in_play = [_quote("pinnacle", H2H, Decimal(0), o, price, at) for o, price in IN_PLAY.items()]
        _ingest(_odds(provider_id, kickoff, in_play, home_score=2, away_score=1, completed=True), at)
    return Story(Event.objects.get(provider_id=provider_id), kickoff, times)


def price_at(book: str, market: str, line: Decimal, outcome: str, index: int) -> Decimal:
    """The story's price of one outcome at snapshot ``index``."""
    return Decimal(LINES[(market, line)][book][outcome][index])


def _ingest(odds: EventOdds, at: datetime) -> None:
    ingest_snapshot(snapshot=Snapshot(events=[odds], bookmaker_titles=BOOKS), collected_at=at)


def _odds(provider_id: str, kickoff: datetime, quotes: list[Quote], **result: object) -> EventOdds:
    return EventOddsFactory.build(
        provider_id=provider_id,
        sport_key="soccer_epl",
        home_team=HOME,
        away_team=AWAY,
        commence_time=kickoff,
        quotes=quotes,
        **result,
    )


def _quote(book: str, market: str, line: Decimal, outcome: str, price: str, at: datetime) -> Quote:
    # Spreads: the home side's point is the line, the away side's its negation; totals: the line.
    point = Decimal(0) if market == H2H else line if outcome in (HOME, "Over", "Under") else -line
    assert line_of(market, outcome, point, HOME) == line
    return QuoteFactory.build(
        home=HOME, bookmaker=book, market=market, outcome=outcome, point=point, price=Decimal(price), observed_at=at
    )
