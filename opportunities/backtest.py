"""Backtest: replay stored history through a strategy's rules and report what betting would have made.

A replay reads the history once (``read_history``), decides (``decide``), then stakes and settles
(``settle``); ``run_backtest`` does the three, and a grid (``backtest_grid``) decides once per devig
method and stakes each of its cells from the same decisions.

**Deciding.** Each line of each finished event is decided at one moment: ``lead`` before kick-off,
or (``at_opening``) the first moment its prices can be valued, at least the strategy's
``min_minutes_before_kickoff`` before kick-off. The prices are those in force then, the last one
observed at or before it by each book (collected history or football-data's opening and closing
prices alike), valued by ``valuation`` as detection values them; each selection is bet once, at the
book with the best edge if that edge clears the minimum. Nothing observed after the moment is read
for the decision: only the CLV looks further, at the close.

**Accounts.** At a book with a commission the price paid is ``pricing.net_price``: the edge, the
Kelly share, the profit and the CLV are the net price's. Inactive books (no account) are not bet at;
a stake is at most the book's ``max_stake`` and rounds down to its ``stake_rounding`` (to the cent
without one); a stake that rounds to nothing is no bet.

**Staking and settling.** One ``flat_stake`` per bet, or (``kelly_fraction``) that share of Kelly,
capped by the strategy's ``max_stake_share``, of the bankroll as it stands at the bet's moment: the
start plus every result known by then, a result being known ``RESULT_DELAY`` after its kick-off.
Bets settle on the real result; their CLV comes from the same rules' fair probabilities at kick-off,
by the rule a placed bet's CLV follows (``bets.closing``): only from books that quoted the line
within ``CLOSING_MAX_AGE`` before kick-off, last seen changed or not (``odds.store.closing_quote``);
none otherwise. Pure replay: nothing is written.
"""

from __future__ import annotations

import dataclasses
import heapq
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import QuerySet

from bets import settlement
from bets.closing import max_age as closing_max_age
from odds import store
from odds.models import Bookmaker, Event
from odds.selectors import history_lead, history_window
from opportunities import pricing, valuation
from opportunities.valuation import Observation, StrategyRules
from stats import formulas
from web.preferences import rounded_stake

if TYPE_CHECKING:
    from opportunities.models import Strategy

RESULT_DELAY = timedelta(hours=3)  # a match and its result, for the bankroll a later bet is staked from
CENT = Decimal("0.01")
Progress = Callable[[float], None]  # the share of the work done, 0 to 1
PROGRESS_EVERY = 500  # lines between two progress reports


class UnknownBookmaker(ValueError):
    """The reference named is no stored bookmaker."""


class Account(NamedTuple):
    """What the bettor's account at a book changes: its commission, stake rounding and limit."""

    commission: Decimal = Decimal(0)
    stake_rounding: Decimal | None = None
    max_stake: Decimal | None = None
    active: bool = True


def stored_accounts() -> dict[int, Account]:
    """Every bookmaker's account as stored now: one query."""
    rows = Bookmaker.objects.values_list("id", "commission", "stake_rounding", "max_stake", "active")
    return {pk: Account(commission, rounding, limit, active) for pk, commission, rounding, limit, active in rows}


@dataclass(frozen=True)
class BacktestRules:
    """How to replay: decided ``lead`` before kick-off (or ``at_opening``), ``flat_stake`` per bet or
    (``kelly_fraction``) that share of Kelly of the running bankroll, by a saved strategy's rules
    (``strategy``, see ``for_strategy``) or else by the rules given here (the reference by its key;
    None: the consensus of ``min_books``; no stake cap). ``accounts`` None: the books' as stored now."""

    min_edge: float = 0.02
    method: str = "shin"
    reference: str | None = "pinnacle"
    lead: timedelta = timedelta(hours=24)
    min_price: float = 1.01
    max_price: float = 1000.0
    markets: tuple[str, ...] = ("h2h", "spreads", "totals")
    kelly_fraction: float | None = None  # None: a flat stake per bet
    bankroll: float = 1000.0
    min_books: int = 3
    strategy: StrategyRules | None = None
    at_opening: bool = False
    flat_stake: float = 1.0
    accounts: Mapping[int, Account] | None = None

    @classmethod
    def for_strategy(cls, strategy: Strategy, **replay: Any) -> BacktestRules:
        """Replay a saved strategy; ``replay`` sets the other fields (``lead``, ``kelly_fraction``, ...)."""
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
    price: float  # as quoted
    fair_probability: float
    edge: float  # of the net price
    stake: float
    status: str
    profit: float
    clv: float | None  # by the strategy's method; None: no valid close (see the module's docstring)
    clv_by_method: dict[str, float] = field(default_factory=dict)
    event_id: int = 0
    sport: str = ""  # the league's title
    placed_at: datetime | None = None
    net_price: float = 0.0  # what it pays: the price less the book's commission
    bookmaker_id: int = 0


@dataclass
class BacktestReport:
    events: int = 0
    bets: list[BacktestBet] = field(default_factory=list)
    bankroll: float = 0.0  # at the start
    curve: list[tuple[datetime, float]] = field(default_factory=list)  # the bankroll after each result

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
        """The largest fall of the bankroll, results in the order they were known."""
        return formulas.max_drawdown([self.bankroll, *(balance for _, balance in self.curve)])

    @property
    def longest_losing_run(self) -> int:
        return formulas.longest_run(b.status in ("lost", "half_lost") for b in self.bets)

    @property
    def significance(self) -> formulas.Significance:
        return formulas.significance((b.net_price, b.stake, b.profit) for b in self.bets)

    @property
    def verdict(self) -> formulas.Verdict:
        """Skill or luck: the CLV's t-test over the bets with a CLV, and the yield's bootstrap interval
        over the bets that were not void, drawn in the report's order (by the bets' moments)."""
        return formulas.verdict(
            [b.clv for b in self.bets if b.clv is not None],
            [(b.stake, b.profit) for b in self.bets if b.status != "void"],
        )


# A line's history, by bookmaker and outcome: (times, prices) in time order.
BookHistory = dict[int, dict[str, tuple[list[datetime], list[float]]]]
LineKey = tuple[int, str, Decimal]  # (event id, market, line)


@dataclass
class History:
    """Every price a replay may read, read once: each finished event's lines to kick-off, by book
    and outcome; then, for the events a replay bets on, the sightings that tell how fresh each
    closing price was (read once an event is first bet on). The closing lines a replay needs are
    valued once per set of rules and kept (``closing``)."""

    events: dict[int, Event]
    series: dict[LineKey, BookHistory]
    points: dict[tuple[int, str, Decimal, str], Decimal]
    keys: dict[int, str]  # bookmaker id: key
    markets: list[str] = field(default_factory=list)
    lines: list[LineKey] = field(default_factory=list)  # in order of kick-off
    _sightings: dict[LineKey, list[store.Sighting]] = field(default_factory=dict)
    _sighted: set[int] = field(default_factory=set)  # the events whose sightings were read
    _closes: dict[LineKey, dict[int, dict[str, valuation.Sighted]]] = field(default_factory=dict)
    _closing: dict[tuple[LineKey, str, int | None, int], valuation.ClosingFair] = field(default_factory=dict)

    def closing(self, line_key: LineKey, strategy: StrategyRules) -> valuation.ClosingFair:
        """The line's closing fair probabilities by ``strategy``'s rules (``valuation.closing_line``)."""
        key = (line_key, strategy.method, strategy.reference, strategy.min_books)
        found = self._closing.get(key)
        if found is None:
            if line_key not in self._closes:
                self._read_closes([line_key])
            event = self.events[line_key[0]]
            books = self.series[line_key]
            found = valuation.closing_line(
                self._closes.get(line_key, {}),
                strategy,
                kickoff_epoch=event.commence_time.timestamp(),
                max_age_seconds=closing_max_age().total_seconds(),
                outcomes={o for quotes in books.values() for o in quotes},
                sport=event.sport_id,
                market=line_key[1],
            )
            self._closing[key] = found
        return found

    def prepare_closes(self, line_keys: Iterable[LineKey]) -> None:
        """Find the closing prices of these lines at once (before ``closing`` asks for them one by one)."""
        self._read_closes([k for k in dict.fromkeys(line_keys) if k not in self._closes])

    def _read_closes(self, line_keys: list[LineKey]) -> None:
        """Each line's closing prices by book and outcome, with when each was last seen by kick-off:
        the last history row of each (all end at kick-off) and the current and kept prices."""
        unread = sorted({k[0] for k in line_keys} - self._sighted)
        if unread:
            for sighting in store.kickoff_sightings(event_ids=unread, markets=self.markets):
                self._sightings.setdefault((sighting.event_id, sighting.market, sighting.line), []).append(sighting)
            self._sighted.update(unread)
        in_force = {
            (*line_key, outcome, book): (values[-1], times[-1])
            for line_key in line_keys
            for book, outcomes in self.series[line_key].items()
            for outcome, (times, values) in outcomes.items()
        }
        sightings = [s for k in line_keys for s in self._sightings.get(k, [])]
        found = store.closes(
            in_force=in_force,
            sightings=sightings,
            kickoffs={pk: event.commence_time for pk, event in self.events.items()},
            lead=history_lead(),
        )
        for line_key in line_keys:
            self._closes[line_key] = {}
        for (event_id, market, line, outcome, book), close in found.items():
            closes = self._closes[(event_id, market, line)]
            closes.setdefault(book, {})[outcome] = valuation.Sighted(close.price, close.seen_at.timestamp())


def read_history(*, events: QuerySet[Event], strategy: StrategyRules) -> History:
    """The history of ``events`` (finished, with a score, of the strategy's sports) in the strategy's
    markets: two queries (the events, their history to kick-off); the sightings of the events bet on
    are read when they are first needed."""
    events = events.filter(completed=True, home_score__isnull=False)
    if strategy.sports:
        events = events.filter(sport_id__in=strategy.sports)
    finished = list(events.select_related("sport").order_by("commence_time", "id"))
    markets = sorted(strategy.markets)
    history = History(events={e.pk: e for e in finished}, series={}, points={}, keys={}, markets=markets)
    if not finished:
        return history
    series: dict[LineKey, BookHistory] = defaultdict(lambda: defaultdict(dict))
    rows = store.history_to_kickoff(
        event_ids=list(history.events),
        markets=markets,
        start=history_window(finished[0].commence_time)[0],
        end=finished[-1].commence_time,
        lead=history_lead(),
    )
    for event_id, market, line, outcome, point, book, key, observed_at, price in rows:
        line_key = (event_id, market, line)
        history.points[(*line_key, outcome)] = point
        history.keys[book] = key
        found = series[line_key][book].setdefault(outcome, ([], []))
        found[0].append(observed_at)
        found[1].append(price)
    history.series = series
    by_id = history.events
    history.lines = sorted(series, key=lambda k: (by_id[k[0]].commence_time, k))
    return history


class Pick(NamedTuple):
    """The price a decision takes on one outcome: the best edge of the line's books."""

    outcome: str
    bookmaker: int
    price: Decimal  # as quoted
    net_price: Decimal  # less the book's commission
    fair_probability: float
    edge: float  # of the net price


@dataclass(frozen=True, slots=True)
class Decision:
    """A line decided at ``placed_at``: the outcomes it bets on, in the line's outcome order."""

    line: LineKey
    placed_at: datetime
    picks: tuple[Pick, ...]


def decide(
    history: History,
    strategy: StrategyRules,
    *,
    lead: timedelta,
    at_opening: bool = False,
    accounts: Mapping[int, Account],
    progress: Progress | None = None,
) -> list[Decision]:
    """Every line's decision by ``strategy`` (see the module's docstring), in order of moment."""
    decisions = []
    total = len(history.lines) or 1
    nets: dict[tuple[int, float], Decimal] = {}
    for index, line_key in enumerate(history.lines):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index / total)
        event = history.events[line_key[0]]
        books = history.series[line_key]
        where: dict[str, Any] = {"sport": event.sport_id, "market": line_key[1]}  # a BEST method is chosen by these
        if at_opening:
            latest = event.commence_time - timedelta(minutes=strategy.min_minutes_before_kickoff)
            opening = _opening(books, strategy, latest, where)
            if opening is None:
                continue
            moment, prices, fair = opening
        else:
            moment = event.commence_time - lead
            prices = _in_force(books, moment)
            fair = valuation.fair_line(prices, strategy, **where)
        if fair.probabilities is None:
            continue
        net: dict[int, dict[str, Observation]] = {}
        for book, quotes in prices.items():
            account = accounts.get(book, ACCOUNT)
            if not account.active:
                continue  # no account there: never bet, though its prices still count for the consensus
            if not account.commission:
                net[book] = quotes
                continue
            net[book] = {}
            for outcome, quote in quotes.items():
                paid = nets.get((book, quote.price))
                if paid is None:
                    paid = nets[(book, quote.price)] = pricing.net_price(_decimal(quote.price), account.commission)
                net[book][outcome] = Observation(float(paid), quote.observed_epoch)
        best: dict[str, valuation.Candidate] = {}
        for candidate in valuation.candidates(
            net, fair, strategy
        ):  # each outcome at its best edge (the first of equal ones)
            if candidate.outcome not in best or candidate.edge > best[candidate.outcome].edge:
                best[candidate.outcome] = candidate
        picks = []
        for outcome in fair.probabilities:
            found = best.get(outcome)
            if found is None:
                continue
            quoted = _decimal(prices[found.bookmaker][outcome].price)
            paid = nets.get((found.bookmaker, prices[found.bookmaker][outcome].price), quoted)
            picks.append(Pick(outcome, found.bookmaker, quoted, paid, found.fair_probability, found.edge))
        if picks:
            decisions.append(Decision(line_key, moment, tuple(picks)))
    if progress is not None:
        progress(1.0)
    decisions.sort(key=lambda d: (d.placed_at, history.events[d.line[0]].commence_time, d.line))
    return decisions


ACCOUNT = Account()  # a book with no stored account row: no commission, no limit


def _decimal(price: float) -> Decimal:
    """A price read from history (numeric(8, 3) as a float) as the Decimal it was stored as."""
    return Decimal(repr(price))


def _opening(
    books: BookHistory, strategy: StrategyRules, latest: datetime, where: dict[str, Any]
) -> tuple[datetime, dict[int, dict[str, Observation]], valuation.Fair] | None:
    """The first moment at or before ``latest`` when the line's prices in force can be valued, with
    those prices and their fair line; None when there is none."""
    moments = sorted({t for outcomes in books.values() for times, _ in outcomes.values() for t in times})
    for moment in moments:
        if moment > latest:
            break
        prices = _in_force(books, moment)
        fair = valuation.fair_line(prices, strategy, **where)
        if fair.probabilities is not None:
            return moment, prices, fair
    return None


def settle(
    decisions: Sequence[Decision],
    history: History,
    *,
    strategy: StrategyRules,
    kelly_fraction: float | None,
    bankroll: float,
    flat_stake: float = 1.0,
    accounts: Mapping[int, Account],
    min_edge: float | None = None,
) -> BacktestReport:
    """Stake and settle the decisions' picks (whose edge is at least ``min_edge``, if given), in
    order of moment, from ``bankroll``: see the module's docstring."""
    report = BacktestReport(events=len(history.events), bankroll=bankroll)
    if min_edge is not None:
        decisions = [d for d in decisions if any(p.edge >= min_edge for p in d.picks)]
    history.prepare_closes(d.line for d in decisions)
    known = Decimal(repr(bankroll))  # the start plus every result known by the moment
    results: list[tuple[datetime, int, Decimal]] = []  # (known at, bet index, profit), a heap
    curve = report.curve
    fraction, cap = kelly_fraction, strategy.max_stake_share
    for decision in decisions:
        while results and results[0][0] <= decision.placed_at:
            at, _, gain = heapq.heappop(results)
            known += gain
            curve.append((at, float(known)))
        line_key = decision.line
        event = history.events[line_key[0]]
        assert event.home_score is not None  # read_history: finished, with a score
        assert event.away_score is not None
        close = history.closing(line_key, strategy)
        closing = close.fair.probabilities or {}
        for pick in decision.picks:
            if min_edge is not None and pick.edge < min_edge:
                continue
            account = accounts.get(pick.bookmaker, ACCOUNT)
            if fraction is None:
                wanted = Decimal(repr(flat_stake))
            else:
                share = pricing.kelly(float(pick.net_price), pick.fair_probability, fraction, cap=cap)
                wanted = known * Decimal(repr(share))
            if account.max_stake is not None:
                wanted = min(wanted, account.max_stake)
            stake = _rounded_down(wanted, account.stake_rounding or CENT)
            if stake <= 0:
                continue
            point = history.points[(*line_key, pick.outcome)]
            status = settlement.outcome_status(
                market=line_key[1],
                outcome=pick.outcome,
                point=None if line_key[1] == "h2h" else point,
                home_team=event.home_team,
                away_team=event.away_team,
                home_score=event.home_score,
                away_score=event.away_score,
            )
            gain = settlement.profit(status, price=pick.net_price, stake=stake)
            paid = float(pick.net_price)
            heapq.heappush(results, (event.commence_time + RESULT_DELAY, len(report.bets), gain))
            report.bets.append(
                BacktestBet(
                    event=str(event),
                    kickoff=event.commence_time,
                    market=line_key[1],
                    outcome=pick.outcome,
                    point=point,
                    bookmaker=history.keys[pick.bookmaker],
                    price=float(pick.price),
                    fair_probability=pick.fair_probability,
                    edge=pick.edge,
                    stake=float(stake),
                    status=status,
                    profit=float(gain),
                    clv=pricing.clv(paid, closing[pick.outcome]) if pick.outcome in closing else None,
                    clv_by_method={
                        method: pricing.clv(paid, probabilities[pick.outcome])
                        for method, f in close.by_method.items()
                        if (probabilities := f.probabilities) is not None and pick.outcome in probabilities
                    },
                    event_id=event.pk,
                    sport=event.sport.title,
                    placed_at=decision.placed_at,
                    net_price=paid,
                    bookmaker_id=pick.bookmaker,
                )
            )
    while results:
        at, _, gain = heapq.heappop(results)
        known += gain
        curve.append((at, float(known)))
    return report


def _rounded_down(stake: Decimal, unit: Decimal) -> Decimal:
    """Down to a multiple of ``unit``, never above what was wanted (as the bet slip rounds)."""
    return rounded_stake(stake, unit) if stake > 0 else Decimal(0)


def replay(
    history: History, rules: BacktestRules, *, strategy: StrategyRules | None = None, progress: Progress | None = None
) -> BacktestReport:
    """``rules`` replayed on history already read (``strategy``: its ``strategy_rules()``, if known)."""
    strategy = strategy or rules.strategy_rules()
    accounts = stored_accounts() if rules.accounts is None else rules.accounts
    decisions = decide(
        history, strategy, lead=rules.lead, at_opening=rules.at_opening, accounts=accounts, progress=progress
    )
    return settle(
        decisions,
        history,
        strategy=strategy,
        kelly_fraction=rules.kelly_fraction,
        bankroll=rules.bankroll,
        flat_stake=rules.flat_stake,
        accounts=accounts,
    )


def run_backtest(*, rules: BacktestRules, events: QuerySet[Event]) -> BacktestReport:
    """Replay ``events`` (finished, with a score, of the strategy's sports) through ``rules``."""
    strategy = rules.strategy_rules()
    return replay(read_history(events=events, strategy=strategy), rules, strategy=strategy)


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
