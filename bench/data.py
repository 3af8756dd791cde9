"""The bench's data: /odds responses built from a seed, their variants, and the database reset."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection

SHARP = "pinnacle"
SPORT = "soccer_bench"
STAMP = "%Y-%m-%dT%H:%M:%SZ"
BOOKS = [
    SHARP,
    "betfair_ex_eu",
    "bet365",
    "williamhill",
    "unibet_eu",
    "sport888",
    "betway",
    "bwin",
    "marathonbet",
    "coolbet",
    "nordicbet",
    "betsson",
    "matchbook",
    "smarkets",
    "paddypower",
    "skybet",
    "ladbrokes_uk",
    "coral",
    "betvictor",
    "boylesports",
    "livescorebet",
    "virginbet",
    "casumo",
    "leovegas",
    "mrgreen",
    "tipico_de",
    "onexbet",
    "sport888_2",
    "betclic",
    "winamax_fr",
]
# 477 events of 30 books pricing 7 outcomes: the 100,000-price response of the bars.
EVENTS = 477


def odds_response(
    events: int = EVENTS,
    books: int = len(BOOKS),
    *,
    seed: int = 1,
    start: datetime | None = None,
    spacing: timedelta = timedelta(minutes=15),
    sport_key: str = SPORT,
    first_id: int = 0,
) -> list[dict[str, Any]]:
    """A /v4/sports/{sport}/odds body: every book prices h2h, spreads and totals (7 prices each);
    events kick off ``spacing`` apart from ``start`` (default: a day from now), with ids from ``first_id``."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC) + timedelta(days=1)
    body = []
    for e in range(events):
        home, away = f"Home {e}", f"Away {e}"
        p_home = rng.uniform(0.25, 0.6)
        p_draw = rng.uniform(0.2, 0.3)
        p_away = 1 - p_home - p_draw
        p_over = rng.uniform(0.4, 0.6)
        p_cover = rng.uniform(0.4, 0.6)
        kickoff = start + spacing * e
        bookmakers = []
        for b in range(books):
            # Soft books: 3-7% margin and their own opinion (up to 6% off), so about one price in a
            # hundred beats the sharp book's fair price by 2%, and detection has opportunities to write.
            margin = 0.025 if b == 0 else rng.uniform(0.03, 0.07)
            noise = 0 if b == 0 else 0.06

            def price(p: float, n: float = noise, m: float = margin) -> float:
                return round(1 / (max(p * rng.uniform(1 - n, 1 + n), 0.02) * (1 + m)), 2)

            update = (kickoff - timedelta(hours=rng.randint(1, 20))).strftime(STAMP)
            markets: list[tuple[str, list[tuple[str, float, float | None]]]] = [
                ("h2h", [(home, p_home, None), (away, p_away, None), ("Draw", p_draw, None)]),
                ("spreads", [(home, p_cover, -0.5), (away, 1 - p_cover, 0.5)]),
                ("totals", [("Over", p_over, 2.5), ("Under", 1 - p_over, 2.5)]),
            ]
            bookmakers.append(
                {
                    "key": BOOKS[b],
                    "title": BOOKS[b].title(),
                    "last_update": update,
                    "markets": [
                        {
                            "key": key,
                            "last_update": update,
                            "outcomes": [
                                {"name": name, "price": price(p)} | ({} if point is None else {"point": point})
                                for name, p, point in outcomes
                            ],
                        }
                        for key, outcomes in markets
                    ],
                }
            )
        body.append(
            {
                "id": f"{first_id + e:032x}",
                "sport_key": sport_key,
                "sport_title": sport_key.replace("_", " ").title(),
                "commence_time": kickoff.strftime(STAMP),
                "home_team": home,
                "away_team": away,
                "bookmakers": bookmakers,
            }
        )
    return body


def _stamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP).replace(tzinfo=UTC)


def withdrawn_response(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Snapshot B of the failing case: A (``body``) with, in every other event, one soft book gone
    (from the whole event, or from its totals only, in turn) and another's markets updated ten
    minutes after the event's newest update, its h2h prices moved by 0.05."""
    later: list[dict[str, Any]] = orjson.loads(orjson.dumps(body))
    for index, event in enumerate(later):
        if index % 2:
            continue
        soft = len(event["bookmakers"]) - 1
        gone = 1 + (index // 2) % soft
        moved = event["bookmakers"][1 + (gone % soft)]
        newest = max(_stamp(m["last_update"]) for b in event["bookmakers"] for m in b["markets"])
        stamp = (newest + timedelta(minutes=10)).strftime(STAMP)
        moved["last_update"] = stamp
        for market in moved["markets"]:
            market["last_update"] = stamp
            if market["key"] == "h2h":
                for outcome in market["outcomes"]:
                    outcome["price"] = round(outcome["price"] + 0.05, 2)
        if index % 4 == 0:
            del event["bookmakers"][gone]
        else:
            book = event["bookmakers"][gone]
            book["markets"] = [m for m in book["markets"] if m["key"] != "totals"]
    return later


def with_value_price(body: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """``body`` with one soft book's home price of the first event 30% above the sharp book's,
    updated ``now``: one opportunity whose edge (about 27%) no other price comes near."""
    valued: list[dict[str, Any]] = orjson.loads(orjson.dumps(body))
    sharp, soft = valued[0]["bookmakers"][0], valued[0]["bookmakers"][1]
    stamp = now.strftime(STAMP)
    soft["last_update"] = stamp
    h2h = soft["markets"][0]
    h2h["last_update"] = stamp
    h2h["outcomes"][0]["price"] = round(sharp["markets"][0]["outcomes"][0]["price"] * 1.3, 2)
    return valued


def price_count(body: list[dict[str, Any]]) -> int:
    return sum(len(m["outcomes"]) for e in body for b in e["bookmakers"] for m in b["markets"])


def truncate_odds() -> None:
    """Empty the odds, opportunities and bets tables; sports and bookmakers stay."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE odds_pricehistory, odds_price, odds_withdrawnprice, opportunities_opportunity, "
            "opportunities_surebet, opportunities_alert, bets_betevent, bets_bet, odds_selection, odds_event, "
            "odds_collectorrun, opportunities_detectionrun CASCADE"
        )


def current_prices() -> list[tuple[int, int, Decimal, datetime]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT selection_id, bookmaker_id, price, observed_at FROM odds_price ORDER BY selection_id, bookmaker_id"
        )
        prices: list[tuple[int, int, Decimal, datetime]] = cursor.fetchall()
        return prices


def history_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM odds_pricehistory")
        count: int = cursor.fetchone()[0]
        return count


def past_events(events: int, *, seed: int, span: timedelta) -> None:
    """Add ``events`` events that kicked off over the ``span`` before now, through the ingestion
    path: the finished events a history of that length belongs to."""
    from odds.providers.odds_api import ingest_odds

    start = datetime.now(UTC) - span
    spacing = span / events
    for chunk in range(0, events, 500):
        body = odds_response(
            min(500, events - chunk),
            seed=seed + chunk,
            start=start + spacing * chunk,
            spacing=spacing,
            first_id=(seed << 64) + chunk,
        )
        ingest_odds(body)


def seed_bets(n: int) -> None:
    from bets.models import Bet, LedgerEntry
    from odds.models import Bookmaker, Event, Selection

    rng = random.Random(5)
    LedgerEntry.objects.get_or_create(kind="deposit", amount=Decimal("10000.00"), note="bench")
    books = list(Bookmaker.objects.exclude(key=SHARP).values_list("id", flat=True))
    selections = list(Selection.objects.filter(market="h2h").values_list("id", "event_id", "outcome")[:n])
    now = datetime.now(UTC)
    bets = []
    for i, (selection_id, event_id, outcome) in enumerate(selections):
        status = rng.choice(["won", "lost", "pending", "half_won", "lost"])
        price = Decimal(rng.choice(["1.800", "2.100", "3.400", "5.000"]))
        stake = Decimal(rng.randint(5, 50))
        profit = {"won": stake * (price - 1), "lost": -stake, "half_won": stake * (price - 1) / 2}.get(status)
        bets.append(
            Bet(
                event_id=event_id,
                selection_id=selection_id,
                market="h2h",
                outcome=outcome,
                bookmaker_id=rng.choice(books),
                price=price,
                stake=stake,
                status=status,
                profit=None if profit is None else profit.quantize(Decimal("0.01")),
                placed_at=now - timedelta(days=i % 60),
                settled_at=None if status == "pending" else now,
                clv=Decimal(rng.randint(-50, 80)) / 1000,
                strategy_name=rng.choice(["A", "B"]),
            )
        )
    Bet.objects.bulk_create(bets, batch_size=2000)
    assert Event.objects.exists()
