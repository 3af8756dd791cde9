"""Backtest: replay stored history through a strategy's rules and report what betting would have made.

For every finished event, the prices in force ``lead`` before kick-off are the decision point: the
reference's line is devigged into fair probabilities, and each selection is bet once, at the book
with the best edge if that edge clears the minimum. Bets settle on the real result; their CLV comes
from the reference's closing line (its last prices before kick-off). Pure replay: nothing is written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from bets import settlement
from odds.models import Event
from odds.selectors import history_lead, history_window
from opportunities import pricing
from stats import formulas


@dataclass(frozen=True)
class BacktestRules:
    min_edge: float = 0.02
    method: str = "shin"
    reference: str = "pinnacle"
    lead: timedelta = timedelta(hours=24)
    min_price: float = 1.01
    max_price: float = 1000.0
    markets: tuple[str, ...] = ("h2h", "spreads", "totals")
    kelly_fraction: float | None = None  # None: one unit per bet
    bankroll: float = 1000.0


@dataclass
class BacktestBet:
    event: str
    kickoff: datetime
    market: str
    outcome: str
    point: Decimal
    bookmaker: str
    price: float
    fair_probability: float
    edge: float
    stake: float
    status: str
    profit: float
    clv: float | None


@dataclass
class BacktestReport:
    events: int = 0
    bets: list[BacktestBet] = field(default_factory=list)

    @property
    def staked(self) -> float:
        return sum(b.stake for b in self.bets if b.status != "void")

    @property
    def profit(self) -> float:
        return sum(b.profit for b in self.bets)

    @property
    def yield_(self) -> float | None:
        return self.profit / self.staked if self.staked else None

    @property
    def average_clv(self) -> float | None:
        clvs = [b.clv for b in self.bets if b.clv is not None]
        return sum(clvs) / len(clvs) if clvs else None

    @property
    def drawdown(self) -> formulas.Drawdown:
        balance, balances = 0.0, [0.0]
        for bet in self.bets:
            balance += bet.profit
            balances.append(balance)
        return formulas.max_drawdown(balances)

    @property
    def longest_losing_run(self) -> int:
        return formulas.longest_run(b.status in ("lost", "half_lost") for b in self.bets)

    @property
    def significance(self) -> formulas.Significance:
        return formulas.significance((b.price, b.stake, b.profit) for b in self.bets)


# Each event's history from its window's start to kick-off (nothing later is replayed). The constant
# range, from the first event's window to the last kick-off, is what TimescaleDB excludes chunks by;
# the join to the event keeps every event to its own window, whichever events are replayed with it.
HISTORY = """
SELECT s.event_id, s.market, s.line, s.outcome, s.point, b.key, b.is_aggregate, h.observed_at, h.price::float8
FROM odds_selection s
JOIN odds_event e ON e.id = s.event_id
JOIN odds_pricehistory h ON h.selection_id = s.id
JOIN odds_bookmaker b ON b.id = h.bookmaker_id
WHERE s.event_id = ANY(%(events)s) AND s.market = ANY(%(markets)s)
  AND h.observed_at >= %(start)s AND h.observed_at <= %(end)s
  AND h.observed_at >= e.commence_time - %(lead)s AND h.observed_at <= e.commence_time
ORDER BY s.event_id, s.market, s.line, s.outcome, b.key, h.observed_at
"""


def run_backtest(*, rules: BacktestRules, events: QuerySet[Event]) -> BacktestReport:
    """Replay ``events`` (finished, with a score) through ``rules``."""
    events = list(events.filter(completed=True, home_score__isnull=False).order_by("commence_time", "id"))
    report = BacktestReport(events=len(events))
    by_id = {e.pk: e for e in events}
    series: dict[tuple, dict] = defaultdict(lambda: defaultdict(dict))
    points: dict[tuple, Decimal] = {}
    if not events:
        return report
    with connection.cursor() as cursor:
        cursor.execute(
            HISTORY,
            {
                "events": list(by_id),
                "markets": list(rules.markets),
                "start": history_window(events[0].commence_time)[0],
                "end": events[-1].commence_time,
                "lead": history_lead(),
            },
        )
        for event_id, market, line, outcome, point, book, aggregate, observed_at, price in cursor.fetchall():
            if aggregate:
                continue
            line_key = (event_id, market, line)
            points[(*line_key, outcome)] = point
            history = series[line_key][book].setdefault(outcome, ([], []))
            history[0].append(observed_at)
            history[1].append(price)
    bankroll = rules.bankroll
    for line_key in sorted(series, key=lambda k: (by_id[k[0]].commence_time, k)):
        event = by_id[line_key[0]]
        decided_at = event.commence_time - rules.lead
        books = series[line_key]
        fair = _fair(books.get(rules.reference), decided_at, rules.method)
        if fair is None:
            continue
        closing = _fair(books.get(rules.reference), event.commence_time, rules.method)
        for outcome, probability in fair.items():
            best = None
            for book, outcomes in books.items():
                if book == rules.reference or outcome not in outcomes:
                    continue
                price = _price_at(outcomes[outcome], decided_at)
                if price is None or not rules.min_price <= price <= rules.max_price:
                    continue
                value = pricing.edge(price, probability)
                if value >= rules.min_edge and (best is None or value > best[2]):
                    best = (book, price, value)
            if best is None:
                continue
            book, price, value = best
            stake = (
                1.0
                if rules.kelly_fraction is None
                else round(bankroll * pricing.kelly(price, probability, rules.kelly_fraction), 2)
            )
            if stake <= 0:
                continue
            point = points[(*line_key, outcome)]
            status = settlement.outcome_status(
                market=line_key[1],
                outcome=outcome,
                point=None if line_key[1] == "h2h" else point,
                home_team=event.home_team,
                away_team=event.away_team,
                home_score=event.home_score,
                away_score=event.away_score,
            )
            profit = float(settlement.profit(status, price=Decimal(repr(price)), stake=Decimal(repr(stake))))
            bankroll += profit
            report.bets.append(
                BacktestBet(
                    event=str(event),
                    kickoff=event.commence_time,
                    market=line_key[1],
                    outcome=outcome,
                    point=point,
                    bookmaker=book,
                    price=price,
                    fair_probability=probability,
                    edge=value,
                    stake=stake,
                    status=status,
                    profit=profit,
                    clv=pricing.clv(price, closing[outcome]) if closing else None,
                )
            )
    return report


def _price_at(history: tuple[list[datetime], list[float]], moment: datetime) -> float | None:
    """The price in force at ``moment``: the last observation at or before it."""
    times, prices = history
    index = bisect_right(times, moment)
    return prices[index - 1] if index else None


def _fair(reference: dict | None, moment: datetime, method: str) -> dict[str, float] | None:
    if not reference or len(reference) < 2:
        return None
    outcomes = sorted(reference)
    prices = [_price_at(reference[o], moment) for o in outcomes]
    if any(p is None for p in prices):
        return None
    try:
        return dict(zip(outcomes, pricing.devig(prices, method), strict=True))
    except pricing.InvalidOdds:
        return None


def selected_events(
    *, sport: str | None = None, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[Event]:
    events = Event.objects.all()
    if sport:
        events = events.filter(sport__key=sport)
    if start:
        events = events.filter(commence_time__gte=start)
    if end:
        events = events.filter(commence_time__lte=end)
    return events
