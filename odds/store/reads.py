"""Reading prices: what detection, the backtest, closing lines, pages and ingestion need, as typed rows.

Detection reads 100,000 current prices a pass, so its rows come straight from the query as floats and
Unix times (cheap to load) and are streamed; set-based statements narrow what is read where they can.
Every read of history names a time range, so TimescaleDB plans only the chunks in it.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple

from django.db import connection

from odds.models import BACK_MARKETS, Bookmaker

PRICE = Decimal("0.001")
POINT = Decimal("0.01")


class CurrentQuote(NamedTuple):
    """One current price, straight from the query's row. Numbers come as floats and become Decimal
    and datetime only for the few that are written."""

    selection_id: int
    event_id: int
    market: str
    outcome: str
    point: float
    line: float
    bookmaker_id: int
    is_aggregate: bool
    price: float
    observed_epoch: float
    sport_id: int
    available: float | None = None  # what an exchange has on offer at the price (``includeBetLimits``)

    @property
    def price_decimal(self) -> Decimal:
        return Decimal(repr(self.price)).quantize(PRICE)  # exact: numeric(8,3) survives a float round trip

    @property
    def point_decimal(self) -> Decimal:
        return Decimal(repr(self.point)).quantize(POINT)

    @property
    def observed_at(self) -> datetime:
        return datetime.fromtimestamp(self.observed_epoch, UTC)


UPCOMING = "e.commence_time > %(now)s AND NOT e.completed AND NOT e.cancelled"

# The current prices of events that have not started, as CurrentQuote's fields.
QUOTES_SQL = f"""
    SELECT p.selection_id, s.event_id, s.market, s.outcome, s.point::float8, s.line::float8, p.bookmaker_id,
           b.is_aggregate, p.price::float8, extract(epoch FROM p.observed_at)::float8, e.sport_id,
           p.available::float8
    FROM odds_price p
    JOIN odds_selection s ON s.id = p.selection_id
    JOIN odds_event e ON e.id = s.event_id
    JOIN odds_bookmaker b ON b.id = p.bookmaker_id
    WHERE {UPCOMING}
"""

# Rows per chunk that PostgreSQL sends while the caller groups the previous ones.
STREAM_ROWS = 1000


def current_quotes(
    *, now: datetime, event_ids: Iterable[int] | None = None, markets: Iterable[str] | None = None
) -> Iterator[CurrentQuote]:
    """The current prices of the events (all, or these) that have not started at ``now``, of every
    market or of these: one query, streamed, so the caller works on the first rows while the rest
    are on their way."""
    sql = QUOTES_SQL
    params: dict[str, Any] = {"now": now}
    if event_ids is not None:
        sql += " AND s.event_id = ANY(%(events)s)"
        params["events"] = list(event_ids)
    if markets is not None:
        sql += " AND s.market = ANY(%(markets)s)"
        params["markets"] = list(markets)
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        raw.row_factory = lambda _: partial(tuple.__new__, CurrentQuote)  # rows become quotes in C
        yield from raw.stream(sql, params, size=STREAM_ROWS)
    if connection.queries_logged:  # a stream goes past Django's cursor: log it as Django would
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


class SelectionSummary(NamedTuple):
    """A selection of an event that has not started: its number of current prices, its best bookmaker
    price (the best net of commissions, when they are given) and who offers it (the lowest id among
    equal prices), and each reference book's price."""

    selection_id: int
    event_id: int
    market: str
    outcome: str
    point: float
    line: float
    sport_id: int
    prices: int
    top_price: float | None
    top_bookmaker_id: int | None
    # (bookmaker id, price, observed epoch, available) of those quoting it
    references: tuple[tuple[int, float, float, float | None], ...]


SELECTIONS_SQL = f"""
    SELECT s.id, s.event_id, s.market, s.outcome, s.point::float8, s.line::float8, e.sport_id, p.n,
           p.top_paid, p.top_book{{columns}}
    FROM (
        SELECT selection_id, count(*) AS n,
               max(paid) FILTER (WHERE NOT aggregate) AS top_paid,
               (array_agg(bookmaker_id ORDER BY paid DESC, bookmaker_id) FILTER (WHERE NOT aggregate))[1]
                   AS top_book
               {{references}}
        FROM (SELECT p.*, p.bookmaker_id = ANY(ARRAY(SELECT id FROM odds_bookmaker WHERE is_aggregate)) AS aggregate,
                     {{paid}} AS paid
              FROM odds_price p) odds_price
        WHERE selection_id IN (
            SELECT s.id FROM odds_selection s JOIN odds_event e ON e.id = s.event_id WHERE {UPCOMING}{{scope}})
        GROUP BY selection_id
    ) p
    JOIN odds_selection s ON s.id = p.selection_id
    JOIN odds_event e ON e.id = s.event_id
"""
REFERENCE_PRICE = (
    ", max(price::float8) FILTER (WHERE bookmaker_id = {id}) AS price{id}"
    ", max(extract(epoch FROM observed_at)::float8) FILTER (WHERE bookmaker_id = {id}) AS at{id}"
    ", max(available::float8) FILTER (WHERE bookmaker_id = {id}) AS available{id}"
)
# A price net of its bookmaker's commission (``pricing.net_price``): the rates come as an array
# indexed by bookmaker id (a smallint), so no join is needed.
NET_PRICE = "1 + (p.price::float8 - 1) * (1 - coalesce((%(rates)s::float8[])[p.bookmaker_id], 0))"


def selection_summaries(
    *,
    now: datetime,
    references: Iterable[int],
    event_ids: Iterable[int] | None = None,
    commissions: Mapping[int, float] | None = None,
) -> list[SelectionSummary]:
    """Every selection of the events (all, or these) that have not started, summarised in the database:
    one aggregate instead of every price, all that a sharp-book strategy needs to price a line and a
    surebet to be found. With ``commissions`` (bookmaker id: share), the best price is the best net
    of them, and the price returned its quoted one."""
    refs = sorted({int(book) for book in references})
    rates = {int(book): rate for book, rate in (commissions or {}).items() if rate}
    sql = SELECTIONS_SQL.format(
        columns="".join(f", p.price{book}, p.at{book}, p.available{book}" for book in refs),
        references="".join(REFERENCE_PRICE.format(id=book) for book in refs),
        scope="" if event_ids is None else " AND s.event_id = ANY(%(events)s)",
        paid=NET_PRICE if rates else "p.price::float8",
    )
    params: dict[str, Any] = {"now": now}
    if event_ids is not None:
        params["events"] = list(event_ids)
    if rates:
        params["rates"] = [rates.get(book, 0.0) for book in range(1, max(rates) + 1)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if rates:  # the best price as quoted, from its net price: prices have 3 places, the float 15 digits
        rows = [
            (*row[:8], _quoted(row[8], rates.get(row[9], 0.0)), *row[9:]) if row[8] is not None else row for row in rows
        ]
    return [
        SelectionSummary._make(
            (
                *row[:10],
                tuple(
                    (book, row[10 + 3 * i], row[11 + 3 * i], row[12 + 3 * i])
                    for i, book in enumerate(refs)
                    if row[10 + 3 * i] is not None
                ),
            )
        )
        for row in rows
    ]


def _quoted(paid: float, rate: float) -> float:
    """The quoted price whose net of ``rate`` is ``paid`` (``pricing.net_price`` undone)."""
    return round(1 + (paid - 1) / (1 - rate), 3) if rate else paid


# A nested loop over the primary key (OFFSET 0 keeps the planner from flattening it into a hash of
# every price): the selections asked for are those whose best price has the edge, a fraction of them.
ABOVE_SQL = """
    SELECT p.selection_id, p.bookmaker_id, p.price::float8, extract(epoch FROM p.observed_at)::float8,
           p.available::float8
    FROM unnest(%(selections)s::bigint[], %(lowest)s::float8[]) AS t(selection_id, lowest)
    CROSS JOIN LATERAL (
        SELECT * FROM odds_price p
        WHERE p.selection_id = t.selection_id AND p.price::float8 >= t.lowest
          AND p.bookmaker_id <> ALL(ARRAY(SELECT id FROM odds_bookmaker WHERE is_aggregate))
        OFFSET 0
    ) p
"""


def prices_at_least(lowest: dict[int, float]) -> list[tuple[int, int, float, float, float | None]]:
    """The current bookmaker prices (not aggregates) of these selections at or above each one's
    lowest price ``{selection id: price}``: (selection id, bookmaker id, price, observed epoch,
    available at the price)."""
    if not lowest:
        return []
    with connection.cursor() as cursor:
        cursor.execute(ABOVE_SQL, {"selections": list(lowest), "lowest": list(lowest.values())})
        above: list[tuple[int, int, float, float, float | None]] = cursor.fetchall()
        return above


def event_times(event_ids: Iterable[int]) -> tuple[dict[int, float], dict[int, float | None]]:
    """Each event's kick-off and last collection as Unix times: read as numbers, because Django's
    loader parses every timestamp in Python, several times slower than a number."""
    kickoffs, collected = {}, {}
    with connection.cursor() as cursor:  # one array parameter: pk__in binds one per event
        cursor.execute(
            "SELECT id, extract(epoch FROM commence_time)::float8, extract(epoch FROM last_collected_at)::float8 "
            "FROM odds_event WHERE id = ANY(%s)",
            [list(event_ids)],
        )
        for pk, kickoff, last in cursor.fetchall():
            kickoffs[pk], collected[pk] = kickoff, last
    return kickoffs, collected


class BestPriceRow(NamedTuple):
    event_id: int
    market: str
    outcome: str
    point: Decimal
    price: Decimal
    bookmaker_key: str
    bookmaker_title: str
    observed_at: datetime


BEST_PRICES = """
SELECT s.event_id, s.market, s.outcome, s.point, best.price, b.key, b.title, best.observed_at
FROM odds_selection s
CROSS JOIN LATERAL (
    SELECT p.price, p.bookmaker_id, p.observed_at
    FROM odds_price p JOIN odds_bookmaker pb ON pb.id = p.bookmaker_id AND NOT pb.is_aggregate
    WHERE p.selection_id = s.id
    ORDER BY p.price DESC, p.bookmaker_id
    LIMIT 1
) best
JOIN odds_bookmaker b ON b.id = best.bookmaker_id
WHERE s.event_id = ANY(%(events)s) AND s.market = ANY(%(markets)s::text[])
"""


def best_prices(event_ids: list[int], markets: list[str] | None = None) -> list[BestPriceRow]:
    """The best current bookmaker price of every selection of these events (of these markets, or every
    back market: a lay price is no price to back at), and who offers it: one query that reads a few
    index entries per selection, whatever the size of the table."""
    with connection.cursor() as cursor:
        cursor.execute(BEST_PRICES, {"events": list(event_ids), "markets": markets or BACK_MARKETS})
        return [BestPriceRow(*row) for row in cursor.fetchall()]


class InForce(NamedTuple):
    selection_id: int
    bookmaker_id: int
    price: Decimal
    observed_at: datetime


def prices_in_force(*, selection_ids: Iterable[int], at: datetime, since: datetime) -> list[InForce]:
    """The bookmaker price (not aggregates) of each selection in force at ``at``: its last observation
    at or before it, read from ``since`` on (a price last changed before it is not read)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (h.selection_id, h.bookmaker_id) h.selection_id, h.bookmaker_id, h.price, h.observed_at
            FROM odds_pricehistory h JOIN odds_bookmaker b ON b.id = h.bookmaker_id
            WHERE h.selection_id = ANY(%s) AND h.observed_at >= %s AND h.observed_at <= %s AND NOT b.is_aggregate
            ORDER BY h.selection_id, h.bookmaker_id, h.observed_at DESC
            """,
            [list(selection_ids), since, at],
        )
        return [InForce(*row) for row in cursor.fetchall()]


class HistoryRow(NamedTuple):
    event_id: int
    market: str
    line: Decimal
    outcome: str
    point: Decimal
    bookmaker_id: int
    bookmaker_key: str
    observed_at: datetime
    price: float


# Each event's bookmaker history from its window's start to kick-off. The constant range, from the
# first event's window to the last kick-off, is what TimescaleDB excludes chunks by; the join to the
# event keeps every event to its own window, whichever events are read with it.
HISTORY = """
SELECT s.event_id, s.market, s.line, s.outcome, s.point, b.id, b.key, h.observed_at, h.price::float8
FROM odds_selection s
JOIN odds_event e ON e.id = s.event_id
JOIN odds_pricehistory h ON h.selection_id = s.id
JOIN odds_bookmaker b ON b.id = h.bookmaker_id
WHERE s.event_id = ANY(%(events)s) AND s.market = ANY(%(markets)s) AND NOT b.is_aggregate
  AND h.observed_at >= %(start)s AND h.observed_at <= %(end)s
  AND h.observed_at >= e.commence_time - %(lead)s AND h.observed_at <= e.commence_time
ORDER BY s.event_id, s.market, s.line, s.outcome, b.key, h.observed_at
"""


def history_to_kickoff(
    *, event_ids: Iterable[int], markets: Iterable[str], start: datetime, end: datetime, lead: timedelta
) -> list[HistoryRow]:
    """Every bookmaker price change (not aggregates) of these events' markets from ``lead`` before each
    one's kick-off to its kick-off, within ``start``..``end``, in order of line, outcome, bookmaker
    key and time."""
    with connection.cursor() as cursor:
        params: dict[str, Any] = {
            "events": list(event_ids),
            "markets": list(markets),
            "start": start,
            "end": end,
            "lead": lead,
        }
        cursor.execute(HISTORY, params)
        return [HistoryRow(*row) for row in cursor.fetchall()]


class QuotedSelection(NamedTuple):
    """One selection of an event as its history in a range tells it: the bookmakers (not aggregates)
    that priced it, its number of price changes and their mean price."""

    selection_id: int
    market: str
    line: Decimal
    outcome: str
    point: Decimal
    bookmaker_ids: list[int]
    changes: int
    mean_price: float


# One pass over the event's history in a constant range (what TimescaleDB excludes chunks by).
QUOTED_SELECTIONS = """
SELECT s.id, s.market, s.line, s.outcome, s.point, array_agg(DISTINCT h.bookmaker_id), count(*), avg(h.price::float8)
FROM odds_selection s
JOIN odds_pricehistory h ON h.selection_id = s.id
JOIN odds_bookmaker b ON b.id = h.bookmaker_id AND NOT b.is_aggregate
WHERE s.event_id = %(event)s AND s.market = ANY(%(markets)s)
  AND h.observed_at >= %(start)s AND h.observed_at <= %(end)s
GROUP BY s.id
ORDER BY s.market, s.line, s.outcome
"""


def quoted_selections(*, event_id: int, start: datetime, end: datetime) -> list[QuotedSelection]:
    """Every selection of the event's back markets (a lay price charts no line) with a bookmaker price
    observed from ``start`` to ``end`` (both included), summarised: one query, one row a selection
    whatever the length of its history."""
    with connection.cursor() as cursor:
        params: dict[str, Any] = {"event": event_id, "start": start, "end": end, "markets": BACK_MARKETS}
        cursor.execute(QUOTED_SELECTIONS, params)
        return [QuotedSelection(*row) for row in cursor.fetchall()]


class Sighting(NamedTuple):
    """A bookmaker's current price of a selection and, once a snapshot seen after kick-off has come,
    its price as it stood at kick-off (``kept_*``, ``odds_closingprice``): when each was observed
    and last seen. Prices as floats, like history's."""

    selection_id: int
    event_id: int
    market: str
    line: Decimal
    outcome: str
    point: Decimal
    bookmaker_id: int
    price: float | None
    observed_at: datetime | None
    last_seen_at: datetime | None
    kept_price: float | None
    kept_observed_at: datetime | None
    kept_last_seen_at: datetime | None


SIGHTINGS = """
SELECT s.id, s.event_id, s.market, s.line, s.outcome, s.point, k.bookmaker_id,
       c.price::float8, c.observed_at, c.last_seen_at, f.price::float8, f.observed_at, f.last_seen_at
FROM odds_selection s
CROSS JOIN LATERAL (
    SELECT bookmaker_id FROM odds_price WHERE selection_id = s.id
    UNION
    SELECT bookmaker_id FROM odds_closingprice WHERE selection_id = s.id
) k
JOIN odds_bookmaker b ON b.id = k.bookmaker_id AND NOT b.is_aggregate
LEFT JOIN odds_price c ON c.selection_id = s.id AND c.bookmaker_id = k.bookmaker_id
LEFT JOIN odds_closingprice f ON f.selection_id = s.id AND f.bookmaker_id = k.bookmaker_id
WHERE s.event_id = ANY(%(events)s) AND s.market = ANY(%(markets)s)
"""


def kickoff_sightings(*, event_ids: Iterable[int], markets: Iterable[str]) -> list[Sighting]:
    """The current and kept-at-kick-off prices of every bookmaker (not aggregates) of these events'
    markets: one query, no history read."""
    with connection.cursor() as cursor:
        cursor.execute(SIGHTINGS, {"events": list(event_ids), "markets": list(markets)})
        return [Sighting(*row) for row in cursor.fetchall()]


class Close(NamedTuple):
    """The price in force at kick-off, when it was observed, and when it was last seen at or before
    kick-off (quoted, changed or not, by a collection or an import)."""

    price: float
    observed_at: datetime
    seen_at: datetime


def _close(price: float | None, observed_at: datetime | None, last_seen_at: datetime | None) -> Close | None:
    """A sighting's price, when it has one (its query's join gives all three or none)."""
    if price is None or observed_at is None or last_seen_at is None:
        return None
    return Close(price, observed_at, last_seen_at)


def closing_quote(
    *, kickoff: datetime, since: datetime, in_force: tuple[float, datetime] | None, sighting: Sighting | None
) -> Close | None:
    """The close of one (selection, bookmaker): ``in_force`` is its last history row at or before
    kick-off (price, observed at) read from ``since``, ``sighting`` its current and kept rows.

    History holds changes only, so it says when the price was set, not when it was last seen. The
    current price, if observed by kick-off, is the price in force then (nothing newer was observed),
    last seen at its ``last_seen_at`` unless that has moved past kick-off; then, or once the current
    price moved on after kick-off, the price kept at kick-off says when it was last seen before.
    Without either (the price was withdrawn, or seen only before these were kept), the observation
    itself is its last sighting: never fresher than known. Observations before ``since`` are not read."""
    current = kept = None
    if sighting is not None:
        latest = _close(sighting.price, sighting.observed_at, sighting.last_seen_at)
        if latest is not None and since <= latest.observed_at <= kickoff:
            current = latest
        at_kickoff = _close(sighting.kept_price, sighting.kept_observed_at, sighting.kept_last_seen_at)
        if at_kickoff is not None and since <= at_kickoff.observed_at and at_kickoff.seen_at <= kickoff:
            kept = at_kickoff
    if current is not None and (in_force is None or in_force[1] <= current.observed_at):
        seen = current.seen_at
        if seen > kickoff:
            seen = current.observed_at
            if kept is not None and kept.price == current.price:
                seen = max(seen, kept.seen_at)
        return Close(current.price, current.observed_at, seen)
    if kept is not None and (in_force is None or in_force[1] <= kept.observed_at):
        return kept
    if in_force is not None:
        return Close(in_force[0], in_force[1], in_force[1])
    return None


CloseKey = tuple[int, str, Decimal, str, int]  # (event id, market, line, outcome, bookmaker id)


def closes(
    *,
    in_force: Mapping[CloseKey, tuple[float, datetime]],
    sightings: Iterable[Sighting],
    kickoffs: Mapping[int, datetime],
    lead: timedelta,
) -> dict[CloseKey, Close]:
    """``closing_quote`` of every key (event id, market, line, outcome, bookmaker id) that has a
    history row in force at kick-off (``in_force``, read from ``lead`` before it) or a sighting."""
    seen = {(s.event_id, s.market, s.line, s.outcome, s.bookmaker_id): s for s in sightings}
    found: dict[CloseKey, Close] = {}
    for key in in_force.keys() | seen.keys():
        kickoff = kickoffs[key[0]]
        close = closing_quote(kickoff=kickoff, since=kickoff - lead, in_force=in_force.get(key), sighting=seen.get(key))
        if close is not None:
            found[key] = close
    return found


# Grouped by ids, not by the provider's 32-character event ids and bookmaker keys: a hash of integers
# stays in memory where the one of strings spills to disk.
KNOWN_UPDATES = """
SELECT s.event_id, s.market, p.bookmaker_id, extract(epoch FROM max(p.observed_at))::float8
FROM odds_selection s
JOIN odds_price p ON p.selection_id = s.id
WHERE s.event_id = ANY(%s)
GROUP BY s.event_id, s.market, p.bookmaker_id
"""


def known_updates(events: dict[int, str]) -> dict[tuple[str, str, str], float]:
    """The newest stored observation per (event, bookmaker, market) of these events (id: provider id),
    by (provider id, bookmaker key, market), as a Unix time (cheaper to read than 40,000 timestamps):
    a market whose ``last_update`` equals it has not changed."""
    if not events:
        return {}
    books = dict(Bookmaker.objects.values_list("id", "key"))
    with connection.cursor() as cursor:
        cursor.execute(KNOWN_UPDATES, [list(events)])
        return {(events[event], books[book], market): at for event, market, book, at in cursor.fetchall()}


class FinishedSelection(NamedTuple):
    """One outcome of a market line of an event with a result (not cancelled), with the result."""

    selection_id: int
    event_id: int
    home_team: str
    away_team: str
    home_score: int
    away_score: int
    market: str
    line: Decimal
    outcome: str
    point: Decimal


FINISHED = "e.sport_id = %(sport)s AND e.home_score IS NOT NULL AND e.away_score IS NOT NULL AND NOT e.cancelled"
# Back markets only: a lay line is no market of its own to score.
FINISHED_SELECTIONS = f"""
SELECT s.id, e.id, e.home_team, e.away_team, e.home_score, e.away_score, s.market, s.line, s.outcome, s.point
FROM odds_event e JOIN odds_selection s ON s.event_id = e.id
WHERE {FINISHED} AND s.market = ANY(%(markets)s)
ORDER BY e.commence_time, e.id, s.market, s.line, s.outcome
"""


def finished_selections(*, sport_id: int) -> list[FinishedSelection]:
    """Every outcome of every line of the sport's events with a result, in kick-off order: one query."""
    with connection.cursor() as cursor:
        cursor.execute(FINISHED_SELECTIONS, {"sport": sport_id, "markets": BACK_MARKETS})
        return [FinishedSelection(*row) for row in cursor.fetchall()]


class OpeningClosing(NamedTuple):
    """A bookmaker's first and last price of a selection from ``lead`` before kick-off to kick-off."""

    selection_id: int
    bookmaker_id: int
    opening_price: float
    opened_at: datetime
    closing_price: float
    closed_at: datetime


# A pass over the history of the sport's events kicking off in one slice of time, in a constant range
# (what TimescaleDB excludes chunks by) from the slice's start less the lead to its end, each event
# kept to its own window. A lateral read per selection would probe every chunk of the range; one
# statement over years of daily chunks would lock more of them than the server allows.
OPENING_CLOSING = f"""
SELECT h.selection_id, h.bookmaker_id,
       (array_agg(h.price::float8 ORDER BY h.observed_at))[1], min(h.observed_at),
       (array_agg(h.price::float8 ORDER BY h.observed_at DESC))[1], max(h.observed_at)
FROM odds_event e
JOIN odds_selection s ON s.event_id = e.id
JOIN odds_pricehistory h ON h.selection_id = s.id
JOIN odds_bookmaker b ON b.id = h.bookmaker_id AND NOT b.is_aggregate
WHERE {FINISHED} AND e.commence_time >= %(first)s AND e.commence_time <= %(last)s
  AND h.observed_at >= %(start)s AND h.observed_at <= %(last)s
  AND h.observed_at >= e.commence_time - %(lead)s AND h.observed_at <= e.commence_time
GROUP BY h.selection_id, h.bookmaker_id
"""
KICKOFFS = f"SELECT DISTINCT e.commence_time FROM odds_event e WHERE {FINISHED} ORDER BY 1"
SLICE = timedelta(days=28)


def opening_and_closing_prices(*, sport_id: int, lead: timedelta) -> list[OpeningClosing]:
    """Every bookmaker's (not aggregates') opening price (its first observation from ``lead`` before
    kick-off) and closing price (its last at or before kick-off) of every selection of the sport's
    events with a result: a query for their kick-off times, then one per ``SLICE`` of them."""
    with connection.cursor() as cursor:
        cursor.execute(KICKOFFS, {"sport": sport_id})
        kickoffs = [row[0] for row in cursor.fetchall()]
        read: list[OpeningClosing] = []
        index = 0
        while index < len(kickoffs):
            first = kickoffs[index]
            index = bisect_right(kickoffs, first + SLICE, lo=index)
            params = {
                "sport": sport_id,
                "first": first,
                "last": kickoffs[index - 1],
                "start": first - lead,
                "lead": lead,
            }
            cursor.execute(OPENING_CLOSING, params)
            read += [OpeningClosing(*row) for row in cursor.fetchall()]
        return read
