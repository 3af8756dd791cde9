"""Backtest: replay stored history through a strategy's rules and report what betting would have made.

For every finished event, the prices in force ``lead`` before kick-off are the decision point: the
line is valued by ``valuation`` as detection values it (the same rules: a saved strategy's, or
rules given on the command line), and each selection is bet once, at the book with the best edge if
that edge clears the minimum. Bets settle on the real result; their CLV comes from the same rules'
fair probabilities at kick-off (the closing line), by the rule a placed bet's CLV follows
(``bets.closing``): only from books that quoted the line within ``CLOSING_MAX_AGE`` before kick-off,
last seen changed or not (``odds.store.closing_quote``); none otherwise. Pure replay: nothing is written.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from bets import settlement
from bets.closing import max_age as closing_max_age
from odds import store
from odds.models import Bookmaker, Event
from odds.selectors import history_lead, history_window
from opportunities import pricing, valuation
from opportunities.valuation import Observation, StrategyRules
from stats import formulas

if TYPE_CHECKING:
    from opportunities.models import Strategy


class UnknownBookmaker(ValueError):
    """The reference named is no stored bookmaker."""


@dataclass(frozen=True)
class BacktestRules:
    """How to replay: decided ``lead`` before kick-off, one unit per bet or (``kelly_fraction``) that
    share of Kelly of the running bankroll, by a saved strategy's rules (``strategy``, see
    ``for_strategy``) or else by the rules given here (the reference by its key; None: the consensus
    of ``min_books``; no stake cap)."""

    min_edge: float = 0.02
    method: str = "shin"
    reference: str | None = "pinnacle"
    lead: timedelta = timedelta(hours=24)
    min_price: float = 1.01
    max_price: float = 1000.0
    markets: tuple[str, ...] = ("h2h", "spreads", "totals")
    kelly_fraction: float | None = None  # None: one unit per bet
    bankroll: float = 1000.0
    min_books: int = 3
    strategy: StrategyRules | None = None

    @classmethod
    def for_strategy(cls, strategy: Strategy, **replay: Any) -> BacktestRules:
        """Replay a saved strategy; ``replay`` sets ``lead``, ``kelly_fraction`` and ``bankroll``."""
        return cls(strategy=StrategyRules.from_strategy(strategy), **replay)

    def strategy_rules(self) -> StrategyRules:
        """The rules each line is valued by."""
        if self.strategy is not None:
            rules = self.strategy
        else:
            reference = None
            if self.reference is not None:
                reference = Bookmaker.objects.filter(key=self.reference).values_list("id", flat=True).first()
                if reference is None:
                    raise UnknownBookmaker(f"no bookmaker {self.reference!r} to take the fair price from")
            rules = StrategyRules(
                method=self.method,
                reference=reference,
                reference_name=self.reference or "",
                min_books=self.min_books,
                min_edge=self.min_edge,
                min_price=self.min_price,
                max_price=self.max_price,
                markets=frozenset(self.markets),
                max_stake_share=None,
            )
        if self.kelly_fraction is not None:
            rules = dataclasses.replace(rules, kelly_fraction=self.kelly_fraction)
        return rules


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
    clv: float | None  # by the strategy's method; None: no valid close (see the module's docstring)
    clv_by_method: dict[str, float] = field(default_factory=dict)


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
    def clv_bets(self) -> int:
        """The bets with a valid close, over which the CLV is averaged."""
        return sum(b.clv is not None for b in self.bets)

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

    @property
    def verdict(self) -> formulas.Verdict:
        """Skill or luck: the CLV's t-test over the bets with a CLV, and the yield's bootstrap interval
        over the bets that were not void, drawn in the report's order (by kick-off)."""
        return formulas.verdict(
            [b.clv for b in self.bets if b.clv is not None],
            [(b.stake, b.profit) for b in self.bets if b.status != "void"],
        )


# A line's history, by bookmaker and outcome: (times, prices) in time order.
BookHistory = dict[int, dict[str, tuple[list[datetime], list[float]]]]


def run_backtest(*, rules: BacktestRules, events: QuerySet[Event]) -> BacktestReport:
    """Replay ``events`` (finished, with a score, of the strategy's sports) through ``rules``."""
    strategy = rules.strategy_rules()
    events = events.filter(completed=True, home_score__isnull=False)
    if strategy.sports:
        events = events.filter(sport_id__in=strategy.sports)
    finished = list(events.order_by("commence_time", "id"))
    report = BacktestReport(events=len(finished))
    if not finished:
        return report
    by_id = {e.pk: e for e in finished}
    series: dict[tuple[int, str, Decimal], BookHistory] = defaultdict(lambda: defaultdict(dict))
    points: dict[tuple[int, str, Decimal, str], Decimal] = {}
    keys: dict[int, str] = {}
    rows = store.history_to_kickoff(
        event_ids=list(by_id),
        markets=sorted(strategy.markets),
        start=history_window(finished[0].commence_time)[0],
        end=finished[-1].commence_time,
        lead=history_lead(),
    )
    for event_id, market, line, outcome, point, book, key, observed_at, price in rows:
        line_key = (event_id, market, line)
        points[(*line_key, outcome)] = point
        keys[book] = key
        history = series[line_key][book].setdefault(outcome, ([], []))
        history[0].append(observed_at)
        history[1].append(price)
    closes = _closes(series, by_id, strategy)
    limit = closing_max_age().total_seconds()
    bankroll = rules.bankroll
    for line_key in sorted(series, key=lambda k: (by_id[k[0]].commence_time, k)):
        event = by_id[line_key[0]]
        books = series[line_key]
        where: dict[str, Any] = {"sport": event.sport_id, "market": line_key[1]}  # a BEST method is chosen by these
        fair, found = valuation.value_line(_in_force(books, event.commence_time - rules.lead), strategy, **where)
        if fair.probabilities is None:
            continue
        close = valuation.closing_line(
            closes.get(line_key, {}),
            strategy,
            kickoff_epoch=event.commence_time.timestamp(),
            max_age_seconds=limit,
            outcomes={o for quotes in books.values() for o in quotes},
            **where,
        )
        closing = close.fair.probabilities or {}
        best: dict[str, valuation.Candidate] = {}
        candidate: valuation.Candidate | None
        for candidate in found:  # each outcome at its best edge (the first of equal ones)
            if candidate.outcome not in best or candidate.edge > best[candidate.outcome].edge:
                best[candidate.outcome] = candidate
        for outcome in fair.probabilities:
            candidate = best.get(outcome)
            if candidate is None:
                continue
            price = candidate.quote.price
            stake = 1.0 if rules.kelly_fraction is None else round(bankroll * candidate.kelly_share, 2)
            if stake <= 0:
                continue
            point = points[(*line_key, outcome)]
            assert event.home_score is not None  # the filter above: finished, with a score
            assert event.away_score is not None
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
                    bookmaker=keys[candidate.bookmaker],
                    price=price,
                    fair_probability=candidate.fair_probability,
                    edge=candidate.edge,
                    stake=stake,
                    status=status,
                    profit=profit,
                    clv=pricing.clv(price, closing[outcome]) if outcome in closing else None,
                    clv_by_method={
                        method: pricing.clv(price, probabilities[outcome])
                        for method, f in close.by_method.items()
                        if (probabilities := f.probabilities) is not None and outcome in probabilities
                    },
                )
            )
    return report


def _closes(
    series: dict[tuple[int, str, Decimal], BookHistory], by_id: dict[int, Event], strategy: StrategyRules
) -> dict[tuple[int, str, Decimal], dict[int, dict[str, valuation.Sighted]]]:
    """Each line's closing prices by book and outcome, with when each was last seen by kick-off:
    the last history row of each (all end at kick-off) and the current and kept prices (one query)."""
    in_force = {
        (*line_key, outcome, book): (values[-1], times[-1])
        for line_key, books in series.items()
        for book, outcomes in books.items()
        for outcome, (times, values) in outcomes.items()
    }
    sightings = store.kickoff_sightings(event_ids=list(by_id), markets=sorted(strategy.markets))
    found = store.closes(
        in_force=in_force,
        sightings=sightings,
        kickoffs={pk: event.commence_time for pk, event in by_id.items()},
        lead=history_lead(),
    )
    closes: dict[tuple[int, str, Decimal], dict[int, dict[str, valuation.Sighted]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for (event_id, market, line, outcome, book), close in found.items():
        closes[(event_id, market, line)][book][outcome] = valuation.Sighted(close.price, close.seen_at.timestamp())
    return closes


def _in_force(books: BookHistory, moment: datetime) -> dict[int, dict[str, Observation]]:
    """Each book's prices in force at ``moment``: the last observation of each outcome at or before it."""
    prices: dict[int, dict[str, Observation]] = {}
    for book, outcomes in books.items():
        for outcome, (times, values) in outcomes.items():
            index = bisect_right(times, moment)
            if index:
                prices.setdefault(book, {})[outcome] = Observation(values[index - 1], times[index - 1].timestamp())
    return prices


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
