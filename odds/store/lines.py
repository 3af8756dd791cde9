"""Reading a period's price history for the bookmaker comparison: every bookmaker's price changes of
every selection of the events kicking off in a period, in the order the comparison walks them.

One set-based statement, streamed: it names the range of history it reads (from ``lead`` before the
first kick-off to the last one) as constants, so TimescaleDB plans only the chunks in it, and keeps
every event to its own window, from ``lead`` before its kick-off to its kick-off. It joins no table
to itself, so its cost stays linear whatever the planner's statistics (after a bulk import they
may be missing). Market best and average (aggregates) are no bookmakers here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple

from django.db import connection

from odds.models import BACK_MARKETS
from odds.store.reads import STREAM_ROWS


class PeriodPrice(NamedTuple):
    """One price observation (a change: history is change-only) of one bookmaker, as floats."""

    event_id: int
    kickoff_epoch: float
    market: str
    line: float
    outcome: str
    selection_id: int
    bookmaker_id: int
    observed_epoch: float
    price: float


PERIOD_HISTORY = """
SELECT s.event_id, extract(epoch FROM e.commence_time)::float8, s.market, s.line::float8, s.outcome, s.id,
       h.bookmaker_id, extract(epoch FROM h.observed_at)::float8, h.price::float8
FROM odds_event e
JOIN odds_selection s ON s.event_id = e.id
JOIN odds_pricehistory h ON h.selection_id = s.id
WHERE e.commence_time >= %(start)s AND e.commence_time <= %(end)s AND NOT e.cancelled
  AND s.market = ANY(%(markets)s::text[])
  AND h.bookmaker_id <> ALL(ARRAY(SELECT id FROM odds_bookmaker WHERE is_aggregate))
  AND h.observed_at >= %(history_start)s AND h.observed_at <= %(end)s
  AND h.observed_at >= e.commence_time - %(lead)s AND h.observed_at <= e.commence_time
ORDER BY s.event_id, s.market, s.line, s.id, h.observed_at, h.bookmaker_id IS DISTINCT FROM %(first)s, h.bookmaker_id
"""


def period_history(
    *,
    start: datetime,
    end: datetime,
    markets: Iterable[str] | None,
    lead: timedelta,
    first_at_equal_times: int | None = None,
) -> Iterator[PeriodPrice]:
    """Every bookmaker price change of every selection of the events kicking off from ``start`` to
    ``end`` (both included; of these markets, or every back market), from ``lead`` before each one's kick-off to
    its kick-off: one query, streamed, in order of event, market, line, selection and time, with
    ``first_at_equal_times``'s observation (a bookmaker id) before the others' at the same time."""
    params = {
        "start": start,
        "end": end,
        "history_start": start - lead,
        "lead": lead,
        "markets": sorted(set(markets)) if markets else BACK_MARKETS,  # a lay price is no bookmaker's offer
        "first": first_at_equal_times,
    }
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        raw.row_factory = lambda _: partial(tuple.__new__, PeriodPrice)  # rows become typed in C
        yield from raw.stream(PERIOD_HISTORY, params, size=STREAM_ROWS)
    if connection.queries_logged:  # a stream goes past Django's cursor: log it as Django would
        sql = raw.mogrify(PERIOD_HISTORY, params) if hasattr(raw, "mogrify") else PERIOD_HISTORY
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
