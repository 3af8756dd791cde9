"""Reads over odds shared by pages, API and health: each one a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, DateTimeField, DurationField, F, Func, IntegerField, Q, QuerySet, Value, When

from odds import store
from odds.markets import PRICE_STEP
from odds.models import H2H, H2H_LAY, LAY_MARKETS, Bookmaker, CollectorRun, Event, Price, PriceHistory, Selection
from opportunities import pricing


def bookmakers() -> QuerySet[Bookmaker]:
    """Every bookmaker one can hold an account at (not a market best or average), by title: the
    settings page's and the API's list."""
    return Bookmaker.objects.filter(is_aggregate=False).order_by("title", "key")


def collector_health() -> dict[str, Any]:
    """Collection is healthy unless the API key was rejected (then nothing collects until fixed) or a
    run has been running longer than any run may (its worker was lost)."""
    from django.conf import settings
    from django.utils import timezone

    from odds.collector import collection_blocked

    blocked = collection_blocked()
    last = CollectorRun.objects.exclude(status=CollectorRun.RUNNING).only("started_at", "status").first()
    limit = timezone.now() - timedelta(seconds=settings.COLLECTION_LEASE_SECONDS)
    stuck = CollectorRun.objects.filter(status=CollectorRun.RUNNING, started_at__lt=limit).first()
    report = {
        "ok": not blocked and stuck is None,
        "last_run": last.started_at.isoformat() if last else None,
        "last_status": last.status if last else None,
    }
    if blocked:
        report["error"] = blocked
    elif stuck is not None:
        what = f"the {stuck.kind} run of {stuck.sport_key or 'all sports'}"
        report["error"] = f"{what} started {stuck.started_at:%Y-%m-%d %H:%M} UTC is still running"
    return report


@dataclass
class BestPrice:
    market: str
    outcome: str
    point: Decimal | None
    price: Decimal
    bookmaker: str
    bookmaker_title: str
    observed_at: datetime


def best_prices(event_ids: list[int], markets: list[str] | None = None) -> dict[int, list[BestPrice]]:
    """The best current price of every selection of these events, and who offers it: one query that
    reads a few index entries per selection, whatever the size of the price table."""
    if not event_ids:
        return {}
    by_event: dict[int, list[BestPrice]] = defaultdict(list)
    for event_id, market, outcome, point, price, key, title, observed_at in store.best_prices(event_ids, markets):
        by_event[event_id].append(
            BestPrice(market, outcome, None if market == H2H else point, price, key, title, observed_at)
        )
    market_order = {"h2h": 0, "spreads": 1, "totals": 2}
    for found in by_event.values():
        found.sort(key=lambda r: (market_order.get(r.market, 9), r.point or 0, r.outcome))
    return by_event


@dataclass(frozen=True)
class Quoted:
    """A price of the event page's table and when it was observed: a current price, or the one in
    force at kick-off."""

    price: Decimal
    observed_at: datetime
    net_price: Decimal | None = None  # after an exchange's commission; None where it is the price
    available: Decimal | None = None  # what an exchange has on offer at it, when collected


def _quoted(
    selection: Selection, book: Bookmaker, price: Decimal, observed_at: datetime, available: Decimal | None = None
) -> Quoted:
    """A price of the table with its price net of the bookmaker's commission (no lay price has one)."""
    net = None
    if book.commission and selection.market not in LAY_MARKETS:
        net = pricing.net_price(price, book.commission).quantize(PRICE_STEP)
    return Quoted(price, observed_at, net, available)


@dataclass
class PriceRow:
    """One selection across bookmakers: the event page's price table."""

    market: str
    outcome: str
    point: Decimal | None
    line: Decimal
    prices: dict[str, Quoted] = field(default_factory=dict)
    best: Decimal | None = None
    # Per bookmaker column: the price, whether it is the best, when it changed, the bet slip's query for it.
    cells: list[tuple[Quoted | None, bool, str, str]] = field(default_factory=list)


def price_table(event: Event, *, at_kickoff: bool = False) -> tuple[list[PriceRow], list[Bookmaker]]:
    """An event's prices by selection and bookmaker, with the best (net of commission) marked (none
    among an exchange's lay prices, listed after the match result they lay): the current ones (one
    query) or, ``at_kickoff``, each bookmaker's price in force at kick-off, read from history in the
    event's window as its closing price is (three queries; market best and average have none)."""
    quoted: list[tuple[Selection, Bookmaker, Quoted]]
    if at_kickoff:
        selections = {s.pk: s for s in Selection.objects.filter(event=event)}
        start, _ = history_window(event.commence_time)
        in_force = store.prices_in_force(selection_ids=list(selections), at=event.commence_time, since=start)
        books = {b.pk: b for b in Bookmaker.objects.filter(pk__in={row.bookmaker_id for row in in_force})}
        quoted = [
            (
                selections[row.selection_id],
                books[row.bookmaker_id],
                _quoted(selections[row.selection_id], books[row.bookmaker_id], row.price, row.observed_at),
            )
            for row in in_force
        ]
    else:
        quoted = [
            (
                price.selection,
                price.bookmaker,
                _quoted(price.selection, price.bookmaker, price.price, price.observed_at, price.available),
            )
            for price in Price.objects.filter(selection__event=event)
            .select_related("selection", "bookmaker")
            .order_by("selection__market", "selection__line", "selection_id")
        ]
    rows: dict[int, PriceRow] = {}
    bookmakers: dict[str, Bookmaker] = {}
    for s, book, price in quoted:
        row = rows.setdefault(s.pk, PriceRow(s.market, s.outcome, s.point_or_none, s.line))
        row.prices[book.key] = price
        bookmakers[book.key] = book
        if s.market in LAY_MARKETS or book.is_aggregate:
            continue
        paid = price.net_price or price.price
        if row.best is None or paid > row.best:
            row.best = paid
    ordered_books = sorted(bookmakers.values(), key=lambda b: (b.is_aggregate, not b.is_sharp, b.title))
    outcome_order = {event.home_team: 0, "Draw": 1, event.away_team: 2, "Over": 0, "Under": 1}
    market_order = {"h2h": 0, H2H_LAY: 1, "spreads": 2, "totals": 3}
    ordered = sorted(
        rows.values(), key=lambda r: (market_order.get(r.market, 9), r.line, outcome_order.get(r.outcome, 5))
    )
    from django.utils.timezone import localtime

    for row in ordered:
        # One cell per bookmaker column: price, whether it is the best, when it last changed, its slip. Decided
        # here once rather than by lookups and date filters in 200 template cells.
        row.cells = [
            (
                price,
                price is not None and (price.net_price or price.price) == row.best and not book.is_aggregate,
                localtime(price.observed_at).strftime("%Y-%m-%d %H:%M") if price is not None else "",
                # Only a back price on offer opens the slip: one in force at kick-off is history, a lay no back bet.
                ""
                if price is None or book.is_aggregate or at_kickoff or row.market in LAY_MARKETS
                else slip_query(event.pk, row, book.key, price.price),
            )
            for book in ordered_books
            for price in [row.prices.get(book.key)]
        ]
    return ordered, ordered_books


def slip_query(event_id: int, row: PriceRow, bookmaker: str, price: Decimal) -> str:
    """The query string of /bets/new/ that opens the bet slip filled with one bookmaker's price."""
    fields: dict[str, object] = {"event": event_id, "market": row.market, "outcome": row.outcome}
    if row.point is not None:
        fields["point"] = row.point
    return urlencode({**fields, "bookmaker": bookmaker, "price": f"{price:.3f}"})


# The event search (the bet slip's): events that started this long ago are still found, for a late entry.
SEARCH_RECENT = timedelta(days=3)
SEARCH_LIMIT = 20


def search_events(text: str, *, now: datetime, limit: int = SEARCH_LIMIT) -> list[Event]:
    """Events whose teams, league or sport hold every word of ``text`` (any case), those yet to start
    by kick-off, then those started in the last ``SEARCH_RECENT``, latest first: one query."""
    words = text.split()
    if not words:
        return []
    events = Event.objects.filter(commence_time__gte=now - SEARCH_RECENT).select_related("sport")
    for word in words:
        events = events.filter(
            Q(home_team__icontains=word)
            | Q(away_team__icontains=word)
            | Q(sport__title__icontains=word)
            | Q(sport__group__icontains=word)
        )
    started = Case(When(commence_time__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField())
    upcoming_time = Case(When(commence_time__gt=now, then=F("commence_time")), output_field=DateTimeField())
    return list(events.order_by(started, upcoming_time.asc(), F("commence_time").desc(), "id")[:limit])


@dataclass
class Series:
    bookmaker: str
    bookmaker_title: str
    market: str
    outcome: str
    point: Decimal | None
    points: list[tuple[datetime, Decimal]]
    opening_price: Decimal | None = None
    closing_price: Decimal | None = None
    selection_id: int = 0
    bookmaker_id: int = 0
    line: Decimal = Decimal(0)  # what the outcomes of one line share (``Selection.line``)


class DateBin(Func):
    """PostgreSQL 14+'s ``date_bin``: the plain path's stand-in for TimescaleDB's ``time_bucket``."""

    function = "date_bin"
    output_field = DateTimeField()

    def __init__(self, interval: timedelta, expression: str) -> None:
        super().__init__(
            Value(interval, output_field=DurationField()), F(expression), Value(datetime(2000, 1, 1, tzinfo=UTC))
        )


def time_bucket(interval: timedelta, expression: str = "observed_at") -> Func:
    """Bucket a time column: ``time_bucket`` (django-timescaledb) on TimescaleDB, ``date_bin`` elsewhere."""
    from django.db import connection

    from ops.timescale import TIMESCALEDB, active_path

    if active_path(connection) == TIMESCALEDB:
        from timescale.db.models.expressions import TimeBucket

        bucketed: Func = TimeBucket(expression, Value(interval, output_field=DurationField()))
        return bucketed
    return DateBin(interval, expression)


# In-play prices are read for a day after kick-off (an event that lasts longer, a cricket Test, shows
# its first day only); closing lines and backtests stop at kick-off itself.
HISTORY_AFTER_KICKOFF = timedelta(days=1)


def history_lead() -> timedelta:
    """How far before kick-off an event's odds history is read from (``ODDS_HISTORY_LEAD_DAYS``)."""
    from django.conf import settings

    return timedelta(days=settings.ODDS_HISTORY_LEAD_DAYS)


def history_window(commence_time: datetime) -> tuple[datetime, datetime]:
    """The range of ``observed_at`` an event's odds history is read in, both ends included: from
    ``ODDS_HISTORY_LEAD_DAYS`` before kick-off to ``HISTORY_AFTER_KICKOFF`` after it.

    Every read of history names its range as constants, so TimescaleDB plans only the chunks in it
    (without one it plans every chunk of the hypertable). An event's first observation is not stored,
    so the range is counted from kick-off: a price last changed before its start is not read."""
    return commence_time - history_lead(), commence_time + HISTORY_AFTER_KICKOFF


def line_movement(
    event: Event,
    *,
    markets: list[str] | None = None,
    selection_ids: Collection[int] | None = None,
    since: datetime | None = None,
    bucket: timedelta | None = None,
) -> list[Series]:
    """Every price change of an event's selections (of these markets, or these selections) per
    bookmaker in its history window (from ``since`` if later): two queries. With ``bucket``, the last
    price of each bucket instead (long histories drawn in a few hundred points)."""
    chosen = Selection.objects.filter(event=event)
    if markets:
        chosen = chosen.filter(market__in=markets)
    if selection_ids is not None:
        chosen = chosen.filter(pk__in=list(selection_ids))
    selections = {s.pk: s for s in chosen}
    start, end = history_window(event.commence_time)
    if since and since > start:
        start = since
    history = PriceHistory.objects.filter(
        selection_id__in=list(selections), observed_at__gte=start, observed_at__lte=end
    )
    # (selection, bookmaker, its key and title, the point's time, price, when it was observed)
    rows: QuerySet[Any, tuple[int, int, str, str, datetime, Decimal, datetime]]
    if bucket:
        rows = (
            history.annotate(at=time_bucket(bucket))
            .order_by("selection_id", "bookmaker_id", "at", "-observed_at")
            .distinct("selection_id", "bookmaker_id", "at")
            .values_list(
                "selection_id", "bookmaker_id", "bookmaker__key", "bookmaker__title", "at", "price", "observed_at"
            )
        )
    else:
        rows = history.order_by("selection_id", "bookmaker_id", "observed_at").values_list(
            "selection_id", "bookmaker_id", "bookmaker__key", "bookmaker__title", "observed_at", "price", "observed_at"
        )
    series: dict[tuple[int, int], Series] = {}
    for selection_id, bookmaker_id, book_key, book_title, at, price, observed_at in rows:
        s = selections[selection_id]
        item = series.get((selection_id, bookmaker_id))
        if item is None:
            item = series[(selection_id, bookmaker_id)] = Series(
                book_key,
                book_title,
                s.market,
                s.outcome,
                s.point_or_none,
                [],
                selection_id=selection_id,
                bookmaker_id=bookmaker_id,
                line=s.line,
            )
        item.points.append((at, price))
        if item.opening_price is None:
            item.opening_price = price
        if observed_at <= event.commence_time:
            item.closing_price = price
    if event.commence_time and not event.completed:
        from django.utils import timezone

        if event.commence_time > timezone.now():
            for item in series.values():
                item.closing_price = None  # not closed yet
    return list(series.values())


def upcoming_events(now: datetime | None = None) -> QuerySet[Event]:
    """The events yet to kick off (not finished, not cancelled) by kick-off, with their sport: the odds
    screen's events, which ``odds.filters.OddsScreenFilter`` narrows."""
    return Event.objects.upcoming(now).filter(cancelled=False).select_related("sport").order_by("commence_time", "id")


def events_for_matches() -> QuerySet[Event]:
    """Every event by kick-off, with its sport; ``odds.filters.MatchFilter`` narrows it."""
    return Event.objects.select_related("sport").order_by("commence_time", "id")


@dataclass
class CollectorPanel:
    runs: list[CollectorRun]
    credits_left: int | None
    blocked: str
    last_error: CollectorRun | None


def collector_panel() -> CollectorPanel:
    """The collector at a glance: the last runs, credits left, and the newest error. Three queries."""
    from odds.collector import collection_blocked, credits_left

    runs = list(CollectorRun.objects.all()[:5])
    last_error = next((r for r in runs if r.status == CollectorRun.FAILED), None)
    return CollectorPanel(runs, credits_left(), collection_blocked(), last_error)
