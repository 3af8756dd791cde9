"""Detection: compare every bookmaker's current price with the fair price, record what beats it.

One pass groups the current prices of the events in scope by market line (event, market, line),
values each line once per strategy through ``valuation`` (a sharp book's devigged prices, or the
average of every complete book's devigged prices) and writes opportunities and surebets with a
fixed number of set-based statements, whatever the number of events. Prices are read through the
odds store.

When every active strategy prices from a sharp book, PostgreSQL does the per-price work: one
aggregate returns, per selection, the reference books' prices and the best bookmaker price (all a
surebet needs), and once the lines are priced a second query returns only the prices at or above
the lowest price with the edge wanted. A consensus strategy needs every complete book's prices,
so then all the prices are read; an exchange-midpoint strategy reads the exchanges' prices as its
reference books', their lay prices with them (a lay line is its own market, never valued or
bought, only read beside its back line).

Prices are compared net of their bookmaker's commission (``pricing.net_price``): a line's best price
is its best net price, a surebet's legs and locked return are net, and an opportunity's edge and
Kelly stake are those of its net price (``valuation.candidates``). An opportunity's suggested stake
is at most what an exchange has available at its price, when the collection said.
"""

from __future__ import annotations

import logging
import math
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import orjson
from django.db import connection, transaction
from django.utils import timezone

from odds import store
from odds.models import LAY_MARKETS
from odds.store import QUOTES_SQL as QUOTES_SQL  # the bench reads prices with detection's own query
from odds.store import STREAM_ROWS as STREAM_ROWS
from odds.store import CurrentQuote as Quote
from opportunities import pricing, valuation
from opportunities.models import Alert, DetectionRun, Opportunity, Strategy, Surebet
from opportunities.valuation import MIDPOINT, BookTerms, StrategyRules

logger = logging.getLogger(__name__)

PROBABILITY = Decimal("0.000001")
EDGE = Decimal("0.00001")
PRICE = Decimal("0.001")
POINT = Decimal("0.01")
CENT = Decimal("0.01")
LOCK_ID = zlib.crc32(b"monps:detection")


@dataclass
class LineGroup:
    """The prices of one market line of one event, by bookmaker and outcome."""

    event_id: int
    market: str
    line: float
    sport_id: int
    by_book: dict[int, dict[str, Quote]] = field(default_factory=lambda: defaultdict(dict))
    # Books whose prices are a market best or average, not a bookmaker's offer.
    aggregates: set[int] = field(default_factory=set)
    # The highest bookmaker price of each outcome (net of commissions): kept by group_lines as the
    # prices arrive, or read from the aggregate by load_reference_lines.
    top: dict[str, Quote] = field(default_factory=dict)
    # Read from the aggregate (where by_book holds only some books): every outcome quoted, its selection.
    selections: dict[str, int] = field(default_factory=dict)
    _outcomes: set[str] | None = None

    @property
    def outcomes(self) -> set[str]:
        if self._outcomes is None:
            self._outcomes = {o for quotes in self.by_book.values() for o in quotes}
        return self._outcomes


@dataclass
class Candidate:
    strategy: Strategy
    quote: Quote
    fair_probability: float
    edge: float
    kelly_share: float


@dataclass
class DetectionResult:
    events: int = 0
    prices: int = 0
    created: list[int] = field(default_factory=list)
    updated: int = 0
    expired: int = 0
    surebets: int = 0
    duration_ms: int = 0


def load_lines(
    *, now: datetime, event_ids: Iterable[int] | None = None, commissions: Mapping[int, float] | None = None
) -> tuple[list[LineGroup], int]:
    """The current prices of events that have not started, grouped by market line, and their number.
    Streamed: the prices are grouped while the rest are still on their way."""
    return group_lines(store.current_quotes(now=now, event_ids=event_ids), commissions)


def group_lines(quotes: Iterable[Quote], commissions: Mapping[int, float] | None = None) -> tuple[list[LineGroup], int]:
    """The quotes grouped by line, each line's best price of each outcome the best net of
    ``commissions`` (bookmaker id: share), and their number."""
    groups: dict[tuple[int, str, float], LineGroup] = {}
    rates = commissions or {}
    net = pricing.net_price
    count = 0
    for count, q in enumerate(quotes, 1):  # noqa: B007 (read after the loop: the number of quotes)
        # Unpacked once: each field read by name is a call, and a pass reads 100,000 quotes.
        _, event, market, outcome, _, line, book, aggregate, price, _, sport, _ = q
        key = (event, market, line)
        group = groups.get(key)
        if group is None:
            group = groups[key] = LineGroup(event, market, line, sport)
        group.by_book[book][outcome] = q
        if aggregate:
            group.aggregates.add(book)
        else:
            top = group.top
            best = top.get(outcome)
            if best is None:
                top[outcome] = q
            elif rates:
                if net(price, rates.get(book, 0.0)) > net(best.price, rates.get(best.bookmaker_id, 0.0)):
                    top[outcome] = q
            elif price > best.price:
                top[outcome] = q
    return list(groups.values()), count


def load_reference_lines(
    *,
    now: datetime,
    references: Iterable[int],
    event_ids: Iterable[int] | None = None,
    commissions: Mapping[int, float] | None = None,
) -> tuple[list[LineGroup], int]:
    """The lines of the events that have not started, with every outcome quoted, its best bookmaker
    price (``top``) and the reference books' prices (``by_book``), and the number of prices: what a
    sharp-book strategy needs to price a line, and a surebet to be found. ``add_prices_above`` adds
    the prices that may have an edge."""
    groups: dict[tuple[int, str, float], LineGroup] = {}
    count = 0
    rows = store.selection_summaries(now=now, references=references, event_ids=event_ids, commissions=commissions)
    for selection, event, market, outcome, point, line, sport, n, top_price, top_book, prices in rows:
        count += n
        key = (event, market, line)
        group = groups.get(key)
        if group is None:
            group = groups[key] = LineGroup(event, market, line, sport, _outcomes=set())
        group.outcomes.add(outcome)
        group.selections[outcome] = selection
        if top_price is not None and top_book is not None:  # both from the best price's row
            # The best price's time is not read (NaN): a surebet's legs have none, and where the price may
            # be an opportunity, add_prices_above reads it again with its time.
            group.top[outcome] = Quote(
                selection, event, market, outcome, point, line, top_book, False, top_price, math.nan, sport
            )
        for book, price, epoch, available in prices:
            group.by_book[book][outcome] = Quote(
                selection, event, market, outcome, point, line, book, False, price, epoch, sport, available
            )
    return list(groups.values()), count


def add_prices_above(priced: list[PricedLine]) -> None:
    """Add to each priced line's ``by_book`` its bookmaker prices at or above the lowest price with the
    edge wanted, for the outcomes whose best price reaches it (the others have no opportunity)."""
    lowest: dict[int, float] = {}
    where: dict[int, tuple[LineGroup, Quote]] = {}  # selection: its line, its best price
    for group, _, wanted in priced:
        for outcome, price in wanted.items():
            top = group.top.get(outcome)
            if top is None or top.price < price:
                continue
            selection = group.selections[outcome]
            lowest[selection] = min(price, lowest.get(selection, math.inf))
            where[selection] = (group, top)
    for selection, book, price, epoch, available in store.prices_at_least(lowest):
        group, top = where[selection]  # the selection's fields, from its best price
        group.by_book[book][top.outcome] = top._replace(
            bookmaker_id=book, price=price, observed_epoch=epoch, available=available
        )


class PricedLine(NamedTuple):
    group: LineGroup
    fair: valuation.Fair  # the strategy's fair probability of each outcome, with its provenance
    lowest: dict[str, float]  # the lowest price of each outcome with the edge the strategy wants


def price_lines(
    groups: list[LineGroup],
    rules: StrategyRules,
    *,
    now: datetime,
    kickoffs: dict[int, float],
    collected: dict[int, float | None],
    lays: Mapping[tuple[int, str, float], Mapping[int, Mapping[str, Quote]]] | None = None,
) -> list[PricedLine]:
    """The lines these rules look at (their markets and sports, far enough from kick-off, collected
    recently enough) that they can price; ``lays`` (``lay_prices``) holds the lay prices beside them."""
    markets, sports = rules.markets, rules.sports
    earliest_kickoff = (now + timedelta(minutes=rules.min_minutes_before_kickoff)).timestamp()
    freshest = (now - timedelta(minutes=rules.max_price_age_minutes)).timestamp()
    priced = []
    for group in groups:
        if group.market not in markets or (sports and group.sport_id not in sports):
            continue
        if kickoffs[group.event_id] <= earliest_kickoff:
            continue
        last_collected = collected.get(group.event_id)
        if last_collected is not None and last_collected < freshest:
            continue
        fair = valuation.fair_line(
            group.by_book,
            rules,
            outcomes=group.outcomes,
            aggregates=group.aggregates,
            sport=group.sport_id,
            market=group.market,
            lay=lays.get((group.event_id, group.market, group.line)) if lays else None,
        )
        if fair:
            priced.append(PricedLine(group, fair, valuation.lowest_prices(fair, rules)))
    return priced


def lay_prices(groups: Iterable[LineGroup]) -> dict[tuple[int, str, float], dict[int, dict[str, Quote]]]:
    """The lay prices of the lines, by (event, the back market laid, line): what a midpoint reads."""
    return {(g.event_id, LAY_MARKETS[g.market], g.line): g.by_book for g in groups if g.market in LAY_MARKETS}


def candidates_for(priced: list[PricedLine], strategy: Strategy, rules: StrategyRules) -> list[Candidate]:
    found = []
    for group, fair, lowest in priced:
        # The line's best prices let valuation skip the outcomes that no price reaches: most of them,
        # and when every price was read (a consensus strategy) their 30 prices a line need no look.
        for c in valuation.candidates(
            group.by_book, fair, rules, aggregates=group.aggregates, best=group.top, lowest=lowest
        ):
            found.append(Candidate(strategy, c.quote, c.fair_probability, c.edge, c.kelly_share))
    return found


def find(
    strategies: list[Strategy],
    *,
    now: datetime,
    event_ids: list[int] | None = None,
    read_all: bool | None = None,
    terms: BookTerms | None = None,
) -> tuple[list[LineGroup], int, list[Candidate]]:
    """The lines, the number of prices and the opportunities of a pass. All the prices are read when a
    strategy prices from the consensus (or when ``read_all``): otherwise the database narrows them.
    ``terms``: the bookmakers' commissions and exchanges (read when not given)."""
    terms = BookTerms.stored() if terms is None else terms
    rules = [(s, StrategyRules.from_strategy(s, terms=terms)) for s in strategies]
    if read_all is None:
        read_all = any(r.reference is None and r.basis != MIDPOINT for _, r in rules)
    commissions = terms.commissions
    if read_all:
        groups, count = load_lines(now=now, event_ids=event_ids, commissions=commissions)
    else:
        # An aggregate (market best or average) is no reference: it never prices a line.
        references = {book.pk for s, _ in rules if (book := s.reference_bookmaker) and not book.is_aggregate}
        references |= {book for _, r in rules if r.basis == MIDPOINT and r.reference is None for book in r.exchanges}
        groups, count = load_reference_lines(
            now=now, references=references, event_ids=event_ids, commissions=commissions
        )
    kickoffs, collected = store.event_times({group.event_id for group in groups} | set(event_ids or []))
    lays = lay_prices(groups) if any(r.basis == MIDPOINT for _, r in rules) else None
    priced = [
        (s, r, price_lines(groups, r, now=now, kickoffs=kickoffs, collected=collected, lays=lays)) for s, r in rules
    ]
    if not read_all:
        add_prices_above([line for _, _, lines in priced for line in lines])
    return groups, count, [c for s, r, lines in priced for c in candidates_for(lines, s, r)]


def detect(*, event_ids: Iterable[int] | None = None, now: datetime | None = None) -> DetectionResult:
    """One detection pass (all upcoming events, or only these). Idempotent; one pass at a time."""
    from bets.selectors import bankroll

    started = time.perf_counter()
    now = now or timezone.now()
    event_ids = None if event_ids is None else sorted(set(event_ids))
    result = DetectionResult()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Passes chained from concurrent collections wait for each other instead of racing; the
            # unique index on active opportunities holds even if they did not.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        strategies = list(
            Strategy.objects.filter(active=True)
            .select_related("reference_bookmaker")
            .prefetch_related("sports", "bookmakers")
        )
        terms = BookTerms.stored()
        groups, result.prices, candidates = find(strategies, now=now, event_ids=event_ids, terms=terms)
        events = {group.event_id for group in groups}
        scope = events | set(event_ids or [])
        result.events = len(events)
        bankroll_now = bankroll().now
        created, result.updated, result.expired = _write_opportunities(
            candidates, bankroll_now=bankroll_now, now=now, scope=None if event_ids is None else scope
        )
        result.created = [o.pk for o in created]
        result.expired += Opportunity.objects.active().filter(event__commence_time__lte=now).update(expired_at=now)
        result.surebets = _write_surebets(
            groups, now=now, scope=None if event_ids is None else scope, commissions=terms.commissions
        )
        _queue_alerts(created, now=now)
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        DetectionRun.objects.create(
            started_at=now,
            duration_ms=result.duration_ms,
            events=result.events,
            prices=result.prices,
            created=len(created),
            updated=result.updated,
            expired=result.expired,
            surebets=result.surebets,
        )
    logger.info(
        "detection: %d events, %d prices, %d new, %d updated, %d expired in %d ms",
        result.events,
        result.prices,
        len(created),
        result.updated,
        result.expired,
        result.duration_ms,
    )
    return result


def _active_rows(table: str, columns: str, scope: set[int] | None) -> list[tuple[Any, ...]]:
    """These columns of the table's active rows (of the events in scope): raw rows, one array
    parameter for the scope (``event_id__in`` binds one per event)."""
    sql = f"SELECT {columns} FROM {table} WHERE expired_at IS NULL"
    with connection.cursor() as cursor:
        if scope is None:
            cursor.execute(sql)
        else:
            cursor.execute(f"{sql} AND event_id = ANY(%s)", [list(scope)])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _q(value: float, step: Decimal) -> Decimal:
    return Decimal(repr(value)).quantize(step, ROUND_HALF_UP)


def suggested_stake(
    kelly_share: float, bankroll_now: Decimal, *, available: Decimal | None = None
) -> tuple[Decimal, Decimal]:
    """A Kelly share as an opportunity stores it, and the stake it suggests on the bankroll now (none
    on a bankroll below 0), at most what an exchange has ``available``: the opportunities' stakes and the bet slip's."""
    share = _q(kelly_share, EDGE)
    return share, valuation.suggested_stake(bankroll_now, share, available=available)


class NewOpportunity(NamedTuple):
    """What alerting needs of an opportunity just inserted (a model instance each cost more than
    inserting it)."""

    pk: int
    strategy: Strategy
    edge: Decimal
    price_observed_at: datetime


def _write_opportunities(
    candidates: list[Candidate], *, bankroll_now: Decimal, now: datetime, scope: set[int] | None
) -> tuple[list[NewOpportunity], int, int]:
    # Each active opportunity with the values a pass may change (REFRESHED, in order, the price's time
    # as a Unix time like the quote's: cheaper to read): most are seen again as they were, and only
    # their last_seen_at is written.
    columns = f"id, strategy_id, selection_id, bookmaker_id, {', '.join(REFRESHED_VALUES)}"
    rows = _active_rows("opportunities_opportunity", f"{columns}, extract(epoch FROM price_observed_at)::float8", scope)
    existing = {(strategy, selection, book): (pk, values) for pk, strategy, selection, book, *values in rows}
    new: list[tuple[Any, ...]] = []
    new_for_alerts: list[tuple[Strategy, Decimal, datetime]] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    unchanged: list[int] = []
    seen = set()
    for c in candidates:
        q = c.quote
        key = (c.strategy.pk, q.selection_id, q.bookmaker_id)
        seen.add(key)
        available = None if q.available is None else Decimal(repr(q.available))
        kelly_share, stake = suggested_stake(c.kelly_share, bankroll_now, available=available)
        fields: dict[str, Any] = {
            "price": q.price_decimal,
            "fair_probability": _q(c.fair_probability, PROBABILITY),
            "fair_price": _q(pricing.fair_price(c.fair_probability), PRICE),
            "edge": _q(c.edge, EDGE),
            "kelly_share": kelly_share,
            "suggested_stake": stake,
            "price_observed_at": q.observed_at,
        }
        if key in existing:
            pk, values = existing[key]
            if values == [*(fields[column] for column in REFRESHED_VALUES), q.observed_epoch]:
                unchanged.append(pk)
            else:
                updates.append((pk, fields))
        else:
            point = None if q.market == "h2h" else q.point_decimal
            new.append((*key, q.event_id, q.market, q.outcome, point, *fields.values(), now, now))
            new_for_alerts.append((c.strategy, fields["edge"], fields["price_observed_at"]))
    ids = _bulk_insert(new)
    created = [NewOpportunity(ids[row[:3]], *opportunity) for row, opportunity in zip(new, new_for_alerts, strict=True)]
    if updates:
        _bulk_refresh(updates, now)
    if unchanged:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE opportunities_opportunity SET last_seen_at = %s WHERE id = ANY(%s)", [now, unchanged]
            )
    gone = [pk for key, (pk, _) in existing.items() if key not in seen]
    expired = Opportunity.objects.filter(pk__in=gone).update(expired_at=now) if gone else 0
    return created, len(updates) + len(unchanged), expired


# What a pass computes of an opportunity, in the order of _write_opportunities's fields; the price's
# time last, which it reads back as a Unix time.
REFRESHED = ("price", "fair_probability", "fair_price", "edge", "kelly_share", "suggested_stake", "price_observed_at")
REFRESHED_VALUES = REFRESHED[:-1]  # compared as read; the time as a Unix time
# In the order of the rows _write_opportunities makes.
INSERT_COLUMNS = (
    "strategy_id",
    "selection_id",
    "bookmaker_id",
    "event_id",
    "market",
    "outcome",
    "point",
    *REFRESHED,
    "detected_at",
    "last_seen_at",
)
INSERT_TYPES = {
    "strategy_id": "bigint",
    "selection_id": "bigint",
    "bookmaker_id": "smallint",
    "event_id": "bigint",
    "market": "varchar",
    "outcome": "varchar",
    "point": "numeric",
    "price": "numeric",
    "fair_probability": "numeric",
    "fair_price": "numeric",
    "edge": "numeric",
    "kelly_share": "numeric",
    "suggested_stake": "numeric",
    "price_observed_at": "timestamptz",
    "detected_at": "timestamptz",
    "last_seen_at": "timestamptz",
}


def _bulk_insert(rows: list[tuple[Any, ...]]) -> dict[tuple[int, int, int], int]:
    """Insert new opportunities in one statement: {(strategy, selection, bookmaker): id}."""
    if not rows:
        return {}
    columns = ", ".join(INSERT_COLUMNS)
    types = [INSERT_TYPES[column] for column in INSERT_COLUMNS]
    arrays = [list(values) for values in zip(*rows, strict=True)]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO opportunities_opportunity ({columns}) SELECT * FROM unnest({unnest}) "
            "RETURNING id, strategy_id, selection_id, bookmaker_id",
            arrays,
        )
        return {(strategy, selection, book): pk for pk, strategy, selection, book in cursor.fetchall()}


def _bulk_refresh(updates: list[tuple[int, dict[str, Any]]], now: datetime) -> None:
    """Update every re-seen opportunity whose values changed in one statement."""
    columns = REFRESHED
    arrays = [[pk for pk, _ in updates]] + [[fields[c] for _, fields in updates] for c in columns]
    types = ["bigint", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric", "timestamptz"]
    unnest = ", ".join(f"%s::{t}[]" for t in types)
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE opportunities_opportunity o SET {assignments}, last_seen_at = %s "
            f"FROM unnest({unnest}) AS v(id, {', '.join(columns)}) WHERE o.id = v.id",
            [now, *arrays],
        )


def _write_surebets(
    groups: list[LineGroup], *, now: datetime, scope: set[int] | None, commissions: Mapping[int, float]
) -> int:
    # The best net price of each outcome of every back line where together they lock a profit. Each
    # leg is net of its own book's commission: an exchange charging one on a market's net winnings
    # would take no more than that.
    found: dict[tuple[int, str, Decimal], tuple[list[Quote], list[float], list[float]]] = {}
    for group in groups:
        outcomes = sorted(group.outcomes)
        if len(outcomes) < 2 or group.market in LAY_MARKETS:
            continue
        best = group.top
        if len(best) != len(outcomes):
            continue
        quotes = [best[o] for o in outcomes]
        nets = [pricing.net_price(q.price, commissions.get(q.bookmaker_id, 0.0)) for q in quotes]
        shares = pricing.surebet(nets)
        if shares is not None:
            line = Decimal(repr(group.line)).quantize(POINT)
            found[(group.event_id, group.market, line)] = (quotes, nets, shares)
    active = Surebet.objects.active()
    if scope is not None:
        active = active.filter(event_id__in=scope)
    # Most surebets are the same from one pass to the next: the legs are only rebuilt and written for
    # a surebet whose best prices changed (the legs follow from its quotes). Read as text and decoded
    # by orjson: the JSON field's own decoding took most of the time of this read.
    existing = {
        (event, market, line): (pk, _legs_key(orjson.loads(legs)))
        for pk, event, market, line, legs in _active_rows(
            "opportunities_surebet", "id, event_id, market, line, legs::text", scope
        )
    }
    new, changed = [], []
    for key, (quotes, nets, shares) in found.items():
        if key not in existing:
            legs, locked = _legs(quotes, nets, shares)
            new.append(
                Surebet(
                    event_id=key[0],
                    market=key[1],
                    line=key[2],
                    legs=legs,
                    locked_return=locked,
                    detected_at=now,
                    last_seen_at=now,
                )
            )
        elif existing[key][1] != tuple(
            (q.outcome, q.bookmaker_id, q.price, _q(net, PRICE)) for q, net in zip(quotes, nets, strict=True)
        ):
            legs, locked = _legs(quotes, nets, shares)
            changed.append(Surebet(pk=existing[key][0], legs=legs, locked_return=locked))
    gone = [pk for key, (pk, _) in existing.items() if key not in found]
    if existing:
        active.exclude(pk__in=gone).update(last_seen_at=now)
    Surebet.objects.bulk_create(new)
    if changed:  # usually a handful: bulk_update writes a CASE per row
        Surebet.objects.bulk_update(changed, ["legs", "locked_return"], batch_size=500)
    if gone:
        Surebet.objects.filter(pk__in=gone).update(expired_at=now)
    Surebet.objects.active().filter(event__commence_time__lte=now).update(expired_at=now)
    return len(found)


def _legs(quotes: list[Quote], nets: list[float], shares: list[float]) -> tuple[list[dict[str, object]], Decimal]:
    """A surebet's legs as stored (each price as quoted and net of its book's commission), and the
    return it locks at the net prices."""
    legs = [
        {
            "outcome": q.outcome,
            "point": str(q.point_decimal),
            "bookmaker_id": q.bookmaker_id,
            "price": str(q.price_decimal),
            "net_price": str(_q(net, PRICE)),
            "stake_share": round(share, 6),
        }
        for q, net, share in zip(quotes, nets, shares, strict=True)
    ]
    return legs, _q(pricing.locked_return(nets), EDGE)


def _legs_key(legs: Any) -> tuple[tuple[object, object, float, Decimal], ...]:  # legs: decoded JSON
    """(outcome, bookmaker, price, net price) of each stored leg; a leg it cannot read makes a key no
    quotes match."""
    try:
        return tuple(
            (leg["outcome"], leg["bookmaker_id"], float(leg["price"]), Decimal(leg.get("net_price", leg["price"])))
            for leg in legs
        )
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return ()


def _queue_alerts(created: list[NewOpportunity], *, now: datetime) -> None:
    """Alerts for the new opportunities worth waking someone for, queued once the pass commits: one
    per opportunity and channel or, when a pass finds more than ALERT_DIGEST_THRESHOLD for one
    strategy and channel, one digest listing the best of them (opportunities/alerts.py sends them)."""
    from django.conf import settings

    from opportunities.alerts import channels, enqueue_deliveries
    from opportunities.alerts_messages import DIGEST_LISTED

    wanted: dict[tuple[int, str, str], list[NewOpportunity]] = defaultdict(list)
    for opportunity in created:
        strategy = opportunity.strategy
        if strategy.alert_min_edge is None or opportunity.edge < strategy.alert_min_edge:
            continue
        if now - opportunity.price_observed_at > timedelta(minutes=strategy.alert_max_age_minutes):
            continue  # a stale price is not worth waking anyone for
        for channel, target in channels(strategy):
            wanted[strategy.pk, channel, target].append(opportunity)
    alerts = []
    for (_, channel, target), opportunities in wanted.items():
        if len(opportunities) <= max(settings.ALERT_DIGEST_THRESHOLD, 1):
            alerts += [Alert(opportunity_id=o.pk, channel=channel, target=target) for o in opportunities]
            continue
        best = sorted(opportunities, key=lambda o: (-o.edge, o.pk))
        alerts.append(
            Alert(
                opportunity_id=best[0].pk,
                channel=channel,
                target=target,
                opportunity_count=len(best),
                listed=[o.pk for o in best[:DIGEST_LISTED]],
            )
        )
    enqueue_deliveries(Alert.objects.bulk_create(alerts))  # new opportunities: no alert exists yet
