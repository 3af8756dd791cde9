"""Reading a period's lines for the bookmaker comparison: every bookmaker's price of every selection
at the opening or the close, and how quickly each bookmaker follows the sharp book's moves.

Both are set-based statements over the events kicking off in a period; each names the range of
history it reads (from ``lead`` before the first kick-off to the last one) as constants, so
TimescaleDB plans only the chunks in it, and keeps every event to its own window, from ``lead``
before its kick-off to its kick-off. Market best and average (aggregates) are no bookmakers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import connection

OPENING, CLOSING = "opening", "closing"
CHUNK_ROWS = 2000

# The period's events and their selections' history, each event within its own window.
PERIOD = """
    FROM odds_event e
    JOIN odds_selection s ON s.event_id = e.id
    JOIN odds_pricehistory h ON h.selection_id = s.id
    WHERE e.commence_time >= %(start)s AND e.commence_time <= %(end)s AND NOT e.cancelled
      AND (%(markets)s::text[] IS NULL OR s.market = ANY(%(markets)s::text[]))
      AND h.bookmaker_id <> ALL(ARRAY(SELECT id FROM odds_bookmaker WHERE is_aggregate))
      AND h.observed_at >= %(history_start)s AND h.observed_at <= %(end)s
      AND h.observed_at >= e.commence_time - %(lead)s AND h.observed_at <= e.commence_time
"""


def _params(start: datetime, end: datetime, markets: Iterable[str] | None, lead: timedelta) -> dict:
    chosen = sorted(set(markets)) if markets else None
    return {"start": start, "end": end, "history_start": start - lead, "lead": lead, "markets": chosen}


class LinePrice(NamedTuple):
    """One bookmaker's price of one outcome of a line at the opening or the close, as floats."""

    event_id: int
    kickoff_epoch: float
    market: str
    line: float
    outcome: str
    bookmaker_id: int
    price: float


LINE_PRICES = """
SELECT event_id, kickoff, market, line, outcome, bookmaker_id, price FROM (
    SELECT DISTINCT ON (h.selection_id, h.bookmaker_id)
           s.event_id, extract(epoch FROM e.commence_time)::float8 AS kickoff, s.market, s.line::float8 AS line,
           s.outcome, h.bookmaker_id, h.price::float8 AS price
    {period}
    ORDER BY h.selection_id, h.bookmaker_id, h.observed_at {order}
) prices
ORDER BY event_id, market, line, outcome, bookmaker_id
"""


def line_prices(
    *, at: str, start: datetime, end: datetime, markets: Iterable[str] | None, lead: timedelta
) -> Iterator[LinePrice]:
    """Each bookmaker's price of every selection of the events kicking off from ``start`` to ``end``
    (both included; of these markets, or all), ``at`` the close (its last observation at or before
    kick-off) or the opening (its first observation from ``lead`` before kick-off): one query, read
    in chunks, in order of event, market, line, outcome and bookmaker, so a caller can take the
    lines one by one."""
    if at not in (OPENING, CLOSING):
        raise ValueError(f"at is {OPENING!r} or {CLOSING!r}, not {at!r}")
    sql = LINE_PRICES.format(period=PERIOD, order="DESC" if at == CLOSING else "ASC")
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, _params(start, end, markets, lead))
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield from (LinePrice(*row) for row in rows)


class FollowDelay(NamedTuple):
    """How a bookmaker followed the sharp book's moves in one market (see ``follow_delays``)."""

    bookmaker_id: int
    market: str
    moves: int  # the sharp book's moves on selections this bookmaker had quoted before them
    followed: int  # those it followed within the cap
    median_seconds: float | None  # the median delay of those it followed


FOLLOWS = """
WITH changes AS (
    SELECT h.selection_id, h.bookmaker_id, s.market, h.observed_at,
           sign(h.price - lag(h.price) OVER (PARTITION BY h.selection_id, h.bookmaker_id ORDER BY h.observed_at))
               AS direction
    {period}
),
sharp AS (
    SELECT selection_id, market, observed_at, direction FROM changes
    WHERE bookmaker_id = %(sharp)s AND direction <> 0
),
quoted AS (
    SELECT selection_id, bookmaker_id, min(observed_at) AS first_seen FROM changes
    WHERE bookmaker_id <> %(sharp)s GROUP BY selection_id, bookmaker_id
),
follows AS (
    SELECT q.bookmaker_id, m.market, m.selection_id, m.observed_at,
           min(c.observed_at) - m.observed_at AS delay
    FROM sharp m
    JOIN quoted q ON q.selection_id = m.selection_id AND q.first_seen < m.observed_at
    LEFT JOIN changes c ON c.selection_id = m.selection_id AND c.bookmaker_id = q.bookmaker_id
         AND c.direction = m.direction AND c.observed_at >= m.observed_at AND c.observed_at <= m.observed_at + %(cap)s
    GROUP BY q.bookmaker_id, m.market, m.selection_id, m.observed_at
)
SELECT bookmaker_id, market, count(*), count(delay),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delay)::float8)
FROM follows
GROUP BY bookmaker_id, market
ORDER BY market, bookmaker_id
"""


def follow_delays(
    *, sharp: int, start: datetime, end: datetime, markets: Iterable[str] | None, lead: timedelta, cap: timedelta
) -> list[FollowDelay]:
    """How long after the sharp book moves each other bookmaker follows, over the events kicking off
    from ``start`` to ``end`` (of these markets, or all): one query.

    A move of the sharp book is a change of its price of a selection (one outcome of one line) from
    its previous observation, up or down, within the event's window; history is change-only, so its
    first observation there is no move. A bookmaker is counted for a move when it had quoted that
    selection before it. It follows the move at its first change of the same selection in the same
    direction from the moment of the move to ``cap`` after it (never past kick-off), and the delay
    is the time between the two. Per bookmaker and market: the moves counted, those followed, and the
    median delay of those followed (the mean of the two middle ones for an even count)."""
    params = {**_params(start, end, markets, lead), "sharp": sharp, "cap": cap}
    with connection.cursor() as cursor:
        cursor.execute(FOLLOWS.format(period=PERIOD), params)
        return [FollowDelay(*row) for row in cursor.fetchall()]
