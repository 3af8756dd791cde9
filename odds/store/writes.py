"""Writing prices: a snapshot's quotes, COPY'd once into temporary tables, then set-based statements
that write history (changed prices only), move the current prices forward and record withdrawals;
and the collector's lease. ``odds.ingest`` prepares the rows and calls ``write_prices`` in its
transaction.

What the database guarantees, whatever the order or concurrency of ingestions: an observation is
stored once (history's primary key, ``ON CONFLICT DO NOTHING``); a current price only moves to a newer
observation, and a price withdrawn by a newer snapshot stays withdrawn when an older one is
re-imported (``odds_withdrawnprice``); when a current price was last seen only moves forward, and
never by an older snapshot; the current prices of an event as they stood at its kick-off are kept
(``odds_closingprice``) before the first snapshot seen after it changes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction


class CopyText(dict[Decimal | datetime, str]):
    """COPY's text of each distinct price, point and time, made once: a response repeats a few hundred
    of them 100,000 times, and formatting them row by row costs more than the COPY itself."""

    def __missing__(self, value: Decimal | datetime) -> str:
        text = self[value] = value.isoformat() if isinstance(value, datetime) else str(value)
        return text


@dataclass
class QuoteRows:
    """A snapshot's quotes as COPY rows: each distinct selection once, and each price naming its
    selection by number (its place in ``selections``), so the database need not match 100,000 rows
    on four columns to find their selections."""

    # (number, event id, market, outcome, point, line), the point and line as COPY text
    selections: list[tuple[int, int, str, str, str, str]] = field(default_factory=list)
    # (selection number, bookmaker id, price, observed at), the price and time as COPY text
    prices: list[tuple[int, int, str, str]] = field(default_factory=list)
    text: CopyText = field(default_factory=CopyText)
    # The amount an exchange has on offer at a price, as COPY text, by the price's place in ``prices``:
    # a few exchanges' prices have one, so the other rows carry no column for it.
    available: dict[int, str] = field(default_factory=dict)


SELECTION_TABLE = """
CREATE TEMP TABLE incoming_selection (
    number integer NOT NULL, event_id bigint NOT NULL, market varchar(16) NOT NULL,
    outcome varchar(128) NOT NULL, point numeric(7, 2) NOT NULL, line numeric(7, 2) NOT NULL
) ON COMMIT DROP
"""

# Selections created by this snapshot have no history yet.
NEW_SELECTIONS = """
INSERT INTO odds_selection (event_id, market, outcome, point, line)
SELECT event_id, market, outcome, point, line FROM incoming_selection ORDER BY number
ON CONFLICT (event_id, market, outcome, point) DO NOTHING
RETURNING id
"""

SELECTION_IDS = """
SELECT i.number, s.id FROM incoming_selection i JOIN odds_selection s USING (event_id, market, outcome, point)
"""

# The prices with their selections, and their order within the batch for a selection quoted twice
# by one bookmaker (otherwise the defaults: first and latest of its batch).
RESOLVED_TABLE = """
CREATE TEMP TABLE resolved_price (
    selection_id bigint NOT NULL, bookmaker_id smallint NOT NULL, price numeric(8, 3) NOT NULL,
    observed_at timestamptz NOT NULL, new_selection boolean NOT NULL, available numeric(14, 2),
    previous_in_batch numeric(8, 3), previous_time_in_batch timestamptz,
    position_in_batch integer NOT NULL DEFAULT 1, latest_in_batch boolean NOT NULL DEFAULT true
) ON COMMIT DROP
"""
RESOLVED_COLUMNS = "selection_id, bookmaker_id, price, observed_at, new_selection"
IN_BATCH_COLUMNS = "previous_in_batch, previous_time_in_batch, position_in_batch, latest_in_batch"

# A row is a change when its price differs from the price in force at its time: the previous row of
# the same batch, the current price for a newer observation, or else (an older observation, or a key
# with no current price) the history row before it. The key makes a repeated observation a no-op.
WRITE_HISTORY = """
INSERT INTO odds_pricehistory (observed_at, collected_at, selection_id, bookmaker_id, price)
SELECT r.observed_at, %(collected_at)s, r.selection_id, r.bookmaker_id, r.price
FROM resolved_price r
LEFT JOIN odds_price c ON c.selection_id = r.selection_id AND c.bookmaker_id = r.bookmaker_id
WHERE CASE
    WHEN r.position_in_batch > 1
        THEN r.observed_at > r.previous_time_in_batch AND r.price <> r.previous_in_batch
    WHEN r.new_selection THEN true
    WHEN r.observed_at > c.observed_at THEN r.price <> c.price
    WHEN r.observed_at = c.observed_at THEN false
    ELSE r.price IS DISTINCT FROM (
        SELECT h.price FROM odds_pricehistory h
        WHERE h.selection_id = r.selection_id AND h.bookmaker_id = r.bookmaker_id
          AND h.observed_at < r.observed_at
        ORDER BY h.observed_at DESC LIMIT 1)
END
ON CONFLICT (selection_id, bookmaker_id, observed_at) DO NOTHING
"""

# When a row was seen: a live collection's time (``seen_at``), or for an import (NULL) its observation.
SEEN = "greatest({row}.observed_at, %(seen_at)s::timestamptz)"

# Before a snapshot seen after an event's kick-off touches its prices: each current price last seen
# at or before kick-off is kept as it stood, or replaces a kept one last seen earlier (a kick-off
# moved later).
KEEP_AT_KICKOFF = """
INSERT INTO odds_closingprice AS k (selection_id, bookmaker_id, price, observed_at, last_seen_at)
SELECT p.selection_id, p.bookmaker_id, p.price, p.observed_at, p.last_seen_at
FROM odds_event e
JOIN odds_selection s ON s.event_id = e.id
JOIN odds_price p ON p.selection_id = s.id
WHERE e.id = ANY(%(started)s) AND p.last_seen_at <= e.commence_time
ON CONFLICT (selection_id, bookmaker_id) DO UPDATE
SET price = EXCLUDED.price, observed_at = EXCLUDED.observed_at, last_seen_at = EXCLUDED.last_seen_at
WHERE EXCLUDED.last_seen_at > k.last_seen_at
"""

# A current price moves only to a newer observation (changed or not: its time says how fresh it is).
# Unchanged, it keeps the later of its last sighting and this one; changed, it was seen only now.
MOVE_CURRENT = f"""
UPDATE odds_price c
SET price = latest.price, observed_at = latest.observed_at, collected_at = %(collected_at)s,
    available = latest.available,
    last_seen_at = CASE WHEN latest.price = c.price THEN greatest(c.last_seen_at, {SEEN.format(row="latest")})
                        ELSE {SEEN.format(row="latest")} END
FROM resolved_price latest
WHERE latest.latest_in_batch
  AND c.selection_id = latest.selection_id AND c.bookmaker_id = latest.bookmaker_id
  AND latest.observed_at > c.observed_at
"""

# The same observation seen again by a live collection (an import sees it at its own time, no later).
SEEN_AGAIN = f"""
UPDATE odds_price c SET last_seen_at = {SEEN.format(row="latest")}
FROM resolved_price latest
WHERE latest.latest_in_batch
  AND c.selection_id = latest.selection_id AND c.bookmaker_id = latest.bookmaker_id
  AND latest.observed_at = c.observed_at AND latest.price = c.price
  AND {SEEN.format(row="latest")} > c.last_seen_at
"""

UNCHANGED_TABLE = """
CREATE TEMP TABLE unchanged_market (
    event_id bigint NOT NULL, market varchar(16) NOT NULL, bookmaker_id smallint NOT NULL,
    observed_at timestamptz NOT NULL
) ON COMMIT DROP
"""

# A market skipped as unchanged (its update time is the stored one) was seen by the collection too:
# its prices of that update, which are all it quotes (a complete snapshot withdrew the others).
UNCHANGED_SEEN = """
UPDATE odds_price p SET last_seen_at = %(seen_at)s
FROM unchanged_market u JOIN odds_selection s ON s.event_id = u.event_id AND s.market = u.market
WHERE p.selection_id = s.id AND p.bookmaker_id = u.bookmaker_id AND p.observed_at = u.observed_at
  AND p.last_seen_at < %(seen_at)s
"""

# A key with no current price gets one, unless a newer snapshot withdrew it; a withdrawal that a newer
# observation overrides is forgotten. ON CONFLICT covers a concurrent ingestion inserting it first.
NEW_CURRENT = f"""
WITH inserted AS (
    INSERT INTO odds_price AS c (selection_id, bookmaker_id, price, observed_at, collected_at, last_seen_at,
                                 available)
    SELECT latest.selection_id, latest.bookmaker_id, latest.price, latest.observed_at, %(collected_at)s,
           {SEEN.format(row="latest")}, latest.available
    FROM resolved_price latest
    WHERE latest.latest_in_batch
      AND NOT EXISTS (
          SELECT 1 FROM odds_price p
          WHERE p.selection_id = latest.selection_id AND p.bookmaker_id = latest.bookmaker_id)
      AND NOT EXISTS (
          SELECT 1 FROM odds_withdrawnprice w
          WHERE w.selection_id = latest.selection_id AND w.bookmaker_id = latest.bookmaker_id
            AND w.withdrawn_at >= latest.observed_at)
    ON CONFLICT (selection_id, bookmaker_id) DO UPDATE
    SET price = EXCLUDED.price, observed_at = EXCLUDED.observed_at, collected_at = EXCLUDED.collected_at,
        available = EXCLUDED.available,
        last_seen_at = CASE WHEN EXCLUDED.price = c.price THEN greatest(c.last_seen_at, EXCLUDED.last_seen_at)
                            ELSE EXCLUDED.last_seen_at END
    WHERE EXCLUDED.observed_at > c.observed_at
    RETURNING selection_id, bookmaker_id
), forgotten AS (
    DELETE FROM odds_withdrawnprice w USING inserted i
    WHERE w.selection_id = i.selection_id AND w.bookmaker_id = i.bookmaker_id
)
SELECT count(*) FROM inserted
"""


QUOTED_TABLE = """
CREATE TEMP TABLE quoted_market ON COMMIT DROP AS
SELECT s.event_id, s.market, r.bookmaker_id, max(r.observed_at) AS observed_at, false AS unchanged
FROM resolved_price r JOIN odds_selection s ON s.id = r.selection_id
GROUP BY s.event_id, s.market, r.bookmaker_id
"""

# A current price goes when a newer complete snapshot of its market no longer has it: its bookmaker
# took it down, or moved to another handicap or total. History keeps every price ever offered, and
# the withdrawal is kept with the time of the snapshot that made it. Markets skipped as unchanged
# keep all their prices.
WITHDRAW = """
WITH gone AS (
    DELETE FROM odds_price p
    USING odds_selection s,
          (SELECT event_id, market, max(observed_at) AS newest FROM quoted_market GROUP BY event_id, market) m
    WHERE p.selection_id = s.id AND s.event_id = m.event_id AND s.market = m.market
      AND p.observed_at < m.newest
      AND NOT EXISTS (SELECT 1 FROM resolved_price r
                      WHERE r.selection_id = p.selection_id AND r.bookmaker_id = p.bookmaker_id)
      AND NOT EXISTS (SELECT 1 FROM quoted_market u
                      WHERE u.unchanged AND u.event_id = s.event_id AND u.market = s.market
                        AND u.bookmaker_id = p.bookmaker_id)
    RETURNING p.selection_id, p.bookmaker_id, m.newest
)
INSERT INTO odds_withdrawnprice AS w (selection_id, bookmaker_id, withdrawn_at)
SELECT selection_id, bookmaker_id, newest FROM gone
ON CONFLICT (selection_id, bookmaker_id) DO UPDATE
SET withdrawn_at = greatest(w.withdrawn_at, EXCLUDED.withdrawn_at)
"""


# (selection id, bookmaker id, price, observed at, whether the selection is new[, available]), as COPY text
ResolvedPrice = tuple[Any, ...]


def _in_batch_order(prices: list[ResolvedPrice], text: CopyText) -> list[tuple[object, ...]] | None:
    """For a batch that quotes a (selection, bookmaker) more than once, each price with the price and
    time before it in the batch, its position and whether it is the latest; None when none repeats."""
    keys = {(row[0], row[1]) for row in prices}
    if len(keys) == len(prices):
        return None
    moments = {copied: moment for moment, copied in text.items() if isinstance(moment, datetime)}
    batches: dict[tuple[int, int], list[ResolvedPrice]] = {}
    for row in prices:
        batches.setdefault((row[0], row[1]), []).append(row)
    ordered: list[tuple[object, ...]] = []
    for batch in batches.values():
        batch.sort(key=lambda row: moments[row[3]])
        previous = None
        for position, row in enumerate(batch, 1):
            ordered.append((*row, *(previous[2:4] if previous else (None, None)), position, position == len(batch)))
            previous = row
    return ordered


def write_prices(
    *,
    rows: QuoteRows,
    collected_at: datetime,
    unchanged: list[tuple[int, str, int, datetime]] | None = None,
    seen_at: datetime | None = None,
    seen_unchanged: Sequence[tuple[int, str, int, datetime]] = (),
    started: Sequence[int] = (),
) -> tuple[int, int, int]:
    """Write these rows: (history rows written, current prices updated, current prices withdrawn).
    ``unchanged`` (event id, market, bookmaker id, time) lists the markets of a complete snapshot
    skipped as unchanged: given, prices missing from the snapshot's markets are withdrawn.
    ``seen_at`` is when a live collection saw the snapshot, its prices and those of the markets
    ``seen_unchanged`` (as ``unchanged``); None for an import, whose prices were seen when observed.
    ``started`` are the events whose kick-off the snapshot was seen after: their current prices are
    kept as they stood at kick-off (``odds_closingprice``) before anything else is written."""
    seen = {"seen_at": seen_at}
    # COPY goes straight to psycopg: wrap it so its errors are Django's, like every other statement's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if started:
            cursor.execute(KEEP_AT_KICKOFF, {"started": list(started)})
        cursor.execute(SELECTION_TABLE)
        with cursor.copy("COPY incoming_selection (number, event_id, market, outcome, point, line) FROM STDIN") as copy:
            for selection in rows.selections:
                copy.write_row(selection)
        cursor.execute(NEW_SELECTIONS)
        new = {selection for (selection,) in cursor.fetchall()}
        cursor.execute(SELECTION_IDS)
        ids = dict(cursor.fetchall())  # every selection was just inserted or found: a KeyError otherwise
        prices: list[ResolvedPrice] = [
            (ids[number], book, price, at, ids[number] in new) for number, book, price, at in rows.prices
        ]
        columns = RESOLVED_COLUMNS
        if rows.available:
            available = rows.available
            prices = [(*row, available.get(index)) for index, row in enumerate(prices)]
            columns += ", available"
        cursor.execute(RESOLVED_TABLE)
        ordered = _in_batch_order(prices, rows.text)
        columns = columns if ordered is None else f"{columns}, {IN_BATCH_COLUMNS}"
        with cursor.copy(f"COPY resolved_price ({columns}) FROM STDIN") as copy:
            for price in prices if ordered is None else ordered:
                copy.write_row(price)
        cursor.execute(WRITE_HISTORY, {"collected_at": collected_at})
        history_written = cursor.rowcount
        cursor.execute(MOVE_CURRENT, {"collected_at": collected_at, **seen})
        current_updated = cursor.rowcount
        if seen_at is not None:
            cursor.execute(SEEN_AGAIN, seen)
        cursor.execute(NEW_CURRENT, {"collected_at": collected_at, **seen})
        current_updated += cursor.fetchone()[0]
        if seen_at is not None and seen_unchanged:
            cursor.execute(UNCHANGED_TABLE)
            with cursor.copy("COPY unchanged_market (event_id, market, bookmaker_id, observed_at) FROM STDIN") as copy:
                for row in seen_unchanged:
                    copy.write_row(row)
            cursor.execute(UNCHANGED_SEEN, seen)
            cursor.execute("DROP TABLE unchanged_market")
        withdrawn = 0
        if unchanged is not None:
            cursor.execute(QUOTED_TABLE)
            with cursor.copy(
                "COPY quoted_market (event_id, market, bookmaker_id, observed_at, unchanged) FROM STDIN"
            ) as copy:
                for market in unchanged:
                    copy.write_row((*market, True))
            cursor.execute(WITHDRAW)
            withdrawn = cursor.rowcount
            cursor.execute("DROP TABLE quoted_market")
        cursor.execute("DROP TABLE incoming_selection; DROP TABLE resolved_price")
    return history_written, current_updated, withdrawn


TAKE_LEASE = """
INSERT INTO odds_lease AS l (name, holder, expires_at) VALUES (%(name)s, %(holder)s, now() + %(ttl)s)
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
WHERE l.expires_at < now() OR l.holder = EXCLUDED.holder
RETURNING holder
"""


def take_lease(*, name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lease ``name`` for ``ttl`` if it is free, expired or already ``holder``'s; committed at once."""
    with transaction.atomic(), connection.cursor() as cursor:
        params: dict[str, Any] = {"name": name, "holder": holder, "ttl": ttl}  # a timedelta, sent as an interval
        cursor.execute(TAKE_LEASE, params)
        return cursor.fetchone() is not None
