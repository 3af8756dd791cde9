"""Build markets through the real ingestion path: prices go in the way collectors put them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from odds.ingest import EventOdds, Quote, Snapshot, ingest_snapshot
from odds.markets import line_of
from odds.models import Event

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ZERO = Decimal(0)


def quotes(
    home: str,
    prices: dict[str, dict[str, float]],
    *,
    market: str = "h2h",
    point: float = 0,
    observed_at: datetime = NOW,
) -> list[Quote]:
    """``prices``: {bookmaker: {outcome: price}}. For spreads, ``point`` is the home handicap."""
    made = []
    for book, by_outcome in prices.items():
        for outcome, price in by_outcome.items():
            p = Decimal(str(point))
            if market == "spreads" and outcome != home:
                p = -p
            if market == "h2h":
                p = ZERO
            made.append(
                Quote(
                    book,
                    market,
                    outcome,
                    p.quantize(Decimal("0.01")),
                    line_of(market, outcome, p, home).quantize(Decimal("0.01")),
                    Decimal(str(price)).quantize(Decimal("0.001")),
                    observed_at,
                )
            )
    return made


def event_with(
    provider_id: str,
    quote_list: list[Quote],
    *,
    home: str = "Home",
    away: str = "Away",
    kickoff: datetime | None = None,
    sport: str = "soccer_epl",
    collected_at: datetime = NOW,
) -> Event:
    odds = EventOdds(
        source="odds_api",
        provider_id=provider_id,
        sport_key=sport,
        home_team=home,
        away_team=away,
        commence_time=kickoff or NOW + timedelta(days=1),
        quotes=quote_list,
    )
    ingest_snapshot(snapshot=Snapshot(events=[odds]), collected_at=collected_at)
    return Event.objects.get(provider_id=provider_id)


def h2h_event(provider_id: str, prices: dict[str, dict[str, float]], **kwargs) -> Event:
    """Prices keyed by "H", "D", "A" for home, draw, away."""
    names = {"H": kwargs.get("home", "Home"), "D": "Draw", "A": kwargs.get("away", "Away")}
    named = {book: {names[k]: v for k, v in by.items()} for book, by in prices.items()}
    observed_at = kwargs.pop("observed_at", NOW)
    return event_with(provider_id, quotes(names["H"], named, observed_at=observed_at), **kwargs)
