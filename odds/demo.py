"""The demo market: a seeded simulation that makes monps come alive without an API key.

Each match has goal rates (home, away) that drift as a random walk until kick-off; the true
probabilities of every outcome (1X2, over/under 2.5, home -0.5/+0.5 handicap) follow exactly from
two independent Poisson distributions, and the result is drawn from the rates at kick-off. Sharp
books price the true probability now with a small margin; soft books price it as it was some time
ago, with a bigger margin and a bias of their own, so their prices lag and value appears. The
exchange (Betfair's key, so it takes Betfair's commission) also lays every match result, its lay
price as far above the fair price as its back price is below, with an amount available at each
price, as The Odds API gives them. Every snapshot goes through the same ingestion path as The Odds
API. Same seed, same market.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings

from odds.ingest import EventOdds, IngestResult, Quote, Snapshot, ingest_snapshot
from odds.markets import ZERO
from odds.models import DEMO, DRAW, H2H, H2H_LAY, OVER, SPREADS, TOTALS, UNDER

if TYPE_CHECKING:
    from odds.models import CollectorRun

SPORT_KEY, SPORT_TITLE = "soccer_demo_league", "Demo League"
STEP = timedelta(minutes=10)
MARKET_OPENS = timedelta(days=3)  # books price a match from three days before kick-off
KICKOFF_SLOTS = ((12, 30), (15, 0), (17, 30), (20, 0))
MATCHES_PER_SLOT = 2
SETTLE_AFTER = timedelta(hours=2)
TEAMS = [
    ("Northbridge", 1.45),
    ("Kingsport", 1.35),
    ("Ashford City", 1.30),
    ("Riverton", 1.20),
    ("Eastmoor", 1.15),
    ("Hallam Town", 1.10),
    ("Westfield", 1.05),
    ("Carrow United", 1.00),
    ("Milbrook", 0.98),
    ("Oakham Rovers", 0.95),
    ("Stanwick", 0.92),
    ("Tollgate", 0.90),
    ("Brayford", 0.88),
    ("Wexley", 0.85),
    ("Glenmoor", 0.82),
    ("Pennford", 0.80),
]


@dataclass(frozen=True)
class DemoBook:
    key: str
    title: str
    margin: float
    delay: timedelta
    bias: float  # spread of this book's own opinion: relative error of its probabilities
    tick: Decimal
    exchange: bool = False  # lays the match result too, with an amount available at each price


BOOKS = [
    DemoBook("pinnacle", "Pinnacle", 0.025, timedelta(0), 0.0, Decimal("0.01")),
    DemoBook("betfair_ex_eu", "Betfair Exchange", 0.02, timedelta(minutes=10), 0.005, Decimal("0.01"), True),
    DemoBook("bet365", "Bet365", 0.06, timedelta(minutes=40), 0.025, Decimal("0.05")),
    DemoBook("williamhill", "William Hill", 0.075, timedelta(minutes=90), 0.03, Decimal("0.05")),
    DemoBook("unibet_eu", "Unibet", 0.065, timedelta(minutes=60), 0.03, Decimal("0.01")),
    DemoBook("sport888", "888sport", 0.08, timedelta(minutes=120), 0.035, Decimal("0.05")),
]


def demo_active() -> bool:
    """The demo market runs when there is no API key; every page says so."""
    return not settings.ODDS_API_KEY


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class DemoMatch:
    provider_id: str
    home: str
    away: str
    kickoff: datetime
    home_rate: float
    away_rate: float

    def rates_at(self, moment: datetime, seed: int) -> tuple[float, float]:
        """Goal rates at ``moment``: a random walk from the opening, frozen at kick-off."""
        opened = self.kickoff - MARKET_OPENS
        steps = max(0, int((min(moment, self.kickoff) - opened) / STEP))
        log_home, log_away = _walk(seed, self.provider_id)[steps]
        return self.home_rate * math.exp(log_home), self.away_rate * math.exp(log_away)

    def result(self, seed: int) -> tuple[int, int]:
        home_rate, away_rate = self.rates_at(self.kickoff, seed)
        rng = _rng(seed, self.provider_id, "result")
        return _poisson(rng, home_rate), _poisson(rng, away_rate)


@functools.lru_cache(maxsize=2048)
def _walk(seed: int, provider_id: str) -> tuple[tuple[float, float], ...]:
    """The cumulative log-drift of both goal rates at every step from the opening to kick-off."""
    rng = _rng(seed, provider_id, "walk")
    log_home = log_away = 0.0
    walk = [(0.0, 0.0)]
    for _ in range(int(MARKET_OPENS / STEP)):
        log_home += rng.gauss(0, 0.012)
        log_away += rng.gauss(0, 0.012)
        walk.append((log_home, log_away))
    return tuple(walk)


def _poisson(rng: random.Random, rate: float) -> int:
    limit, goals, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        goals += 1
        product *= rng.random()
    return goals


def fixtures(start: datetime, end: datetime, seed: int) -> list[DemoMatch]:
    """Every demo match kicking off between ``start`` and ``end`` (UTC days, fixed slots)."""
    matches = []
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= end:
        order = list(range(len(TEAMS)))
        _rng(seed, day.date(), "draw").shuffle(order)
        pairs = [(order[i], order[i + 1]) for i in range(0, len(order), 2)]
        for slot, (hour, minute) in enumerate(KICKOFF_SLOTS):
            kickoff = day.replace(hour=hour, minute=minute)
            for n in range(MATCHES_PER_SLOT):
                home, away = pairs[slot * MATCHES_PER_SLOT + n]
                if start <= kickoff <= end:
                    (home_name, home_strength), (away_name, away_strength) = TEAMS[home], TEAMS[away]
                    matches.append(
                        DemoMatch(
                            provider_id=f"demo-{kickoff:%Y%m%d-%H%M}-{n}",
                            home=home_name,
                            away=away_name,
                            kickoff=kickoff,
                            home_rate=1.45 * home_strength / away_strength**0.5,
                            away_rate=1.15 * away_strength / home_strength**0.5,
                        )
                    )
        day += timedelta(days=1)
    return matches


def true_probabilities(home_rate: float, away_rate: float) -> dict[tuple[str, str], float]:
    """Exact probabilities of the priced outcomes under independent Poisson goals."""
    goals = range(11)
    home_p = [math.exp(-home_rate) * home_rate**g / math.factorial(g) for g in goals]
    away_p = [math.exp(-away_rate) * away_rate**g / math.factorial(g) for g in goals]
    home_win = draw = under = 0.0
    for h in goals:
        for a in goals:
            p = home_p[h] * away_p[a]
            if h > a:
                home_win += p
            elif h == a:
                draw += p
            if h + a <= 2:
                under += p
    total = sum(home_p) * sum(away_p)
    home_win, draw, under = home_win / total, draw / total, under / total
    away_win = 1 - home_win - draw
    return {
        (H2H, "home"): home_win,
        (H2H, "draw"): draw,
        (H2H, "away"): away_win,
        (TOTALS, OVER): 1 - under,
        (TOTALS, UNDER): under,
        (SPREADS, "home"): home_win,
        (SPREADS, "away"): 1 - home_win,  # home -0.5 / away +0.5
    }


def _book_price(probability: float, book: DemoBook, *, lay: bool = False) -> Decimal:
    """A back price with the book's margin; an exchange's lay price the same margin the other way."""
    offered = 1 / (probability * (1 - book.margin if lay else 1 + book.margin))
    price = (Decimal(str(offered)) / book.tick).to_integral_value(ROUND_HALF_UP) * book.tick
    return max(price, Decimal("1.01")).quantize(Decimal("0.001"))


def _available(rng: random.Random) -> Decimal:
    """What an exchange has on offer at a price: tens to a couple of thousand."""
    return Decimal(str(round(math.exp(rng.uniform(math.log(20), math.log(2500))), 2)))


def snapshot_at(moment: datetime, seed: int) -> Snapshot:
    """What every demo book offers at ``moment`` (markets open 3 days before kick-off, close at it)."""
    moment = moment.astimezone(UTC)
    snapshot = Snapshot(bookmaker_titles={b.key: b.title for b in BOOKS}, complete=True)
    for match in fixtures(moment - SETTLE_AFTER - timedelta(days=1), moment + MARKET_OPENS, seed):
        odds = EventOdds(
            source=DEMO,
            provider_id=match.provider_id,
            sport_key=SPORT_KEY,
            sport_title=SPORT_TITLE,
            home_team=match.home,
            away_team=match.away,
            commence_time=match.kickoff,
        )
        if moment >= match.kickoff + SETTLE_AFTER:
            odds.home_score, odds.away_score = match.result(seed)
            odds.completed = True
        elif moment < match.kickoff:
            odds.quotes = _quotes(match, moment, seed)
        snapshot.events.append(odds)
    return snapshot


def _quotes(match: DemoMatch, moment: datetime, seed: int) -> list[Quote]:
    quotes = []
    names = {"home": match.home, "away": match.away, "draw": DRAW, OVER: OVER, UNDER: UNDER}
    posted_at = _floor(moment)
    for book in BOOKS:
        seen_at = _floor(moment - book.delay)  # a soft book prices what it knew some time ago
        if seen_at < match.kickoff - MARKET_OPENS:
            continue
        probabilities = true_probabilities(*match.rates_at(seen_at, seed))
        rng = _rng(seed, match.provider_id, book.key, "bias")
        for market in (H2H, TOTALS, SPREADS):
            sides = [(side, p) for (m, side), p in probabilities.items() if m == market]
            # The book's own opinion: each probability scaled by a few percent, then renormalised,
            # so it moves probability between outcomes and never creates any.
            opinion = [min(max(p * math.exp(rng.gauss(0, book.bias)), 0.01), 0.97) for _, p in sides]
            total = sum(opinion)
            for (side, _), probability in zip(sides, opinion, strict=True):
                point = line = ZERO
                if market == TOTALS:
                    point = line = Decimal("2.50")
                elif market == SPREADS:
                    point = Decimal("-0.50") if side == "home" else Decimal("0.50")
                    line = Decimal("-0.50")
                price = _book_price(probability / total, book)
                if not book.exchange:
                    quotes.append(Quote(book.key, market, names[side], point, line, price, posted_at))
                    continue
                depth = _rng(seed, match.provider_id, book.key, side, market, posted_at.isoformat())
                quotes.append(Quote(book.key, market, names[side], point, line, price, posted_at, _available(depth)))
                if market == H2H:
                    lay = max(_book_price(probability / total, book, lay=True), price + book.tick)
                    quotes.append(Quote(book.key, H2H_LAY, names[side], ZERO, ZERO, lay, posted_at, _available(depth)))
    return quotes


def _floor(moment: datetime) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + ((moment - epoch) // STEP) * STEP


def run_demo(
    *, now: datetime, seed: int = 7, backfill: timedelta = timedelta(0), every: timedelta = timedelta(minutes=30)
) -> IngestResult:
    """Ingest the demo market at ``now``; with ``backfill``, also every ``every`` before it."""
    total = IngestResult()
    moments = []
    moment = _floor(now - backfill)
    while moment < now:
        moments.append(moment)
        moment += every
    moments.append(now)
    for moment in moments:
        result = ingest_snapshot(snapshot=snapshot_at(moment, seed), collected_at=moment, seen_at=moment)
        total.prices_seen += result.prices_seen
        total.history_written += result.history_written
        total.events = max(total.events, result.events)
        total.event_ids = sorted(set(total.event_ids) | set(result.event_ids))
    return total


def collect_demo(
    *, now: datetime, seed: int = 7, backfill: timedelta = timedelta(0)
) -> tuple[CollectorRun, IngestResult]:
    """A demo "collection": ingest the simulated market and record it as a collector run."""
    from django.db import transaction

    from odds.models import CollectorRun

    with transaction.atomic():
        started = datetime.now(UTC)
        result = run_demo(now=now, seed=seed, backfill=backfill)
        run = CollectorRun.objects.create(
            kind="demo",
            source=DEMO,
            sport_key=SPORT_KEY,
            started_at=started,
            finished_at=datetime.now(UTC),
            status=CollectorRun.OK,
            events_seen=result.events,
            prices_seen=result.prices_seen,
            history_written=result.history_written,
        )
    return run, result
