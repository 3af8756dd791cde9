"""Odds history grown to the sizes measured, and, on TimescaleDB, compressed as its policy would."""

from __future__ import annotations

from django.db import connection

from ops.timescale import TIMESCALEDB, active_path

# The finished events' prices, a row per key and round (the round's number of intervals before the
# price's observation): a table grown this way holds what collections before kick-off leave.
GROW = """
INSERT INTO odds_pricehistory (observed_at, collected_at, selection_id, bookmaker_id, price)
SELECT p.observed_at - g * interval '37 minutes', p.observed_at - g * interval '37 minutes',
       p.selection_id, p.bookmaker_id, greatest(1.01, round((p.price * (0.9 + random() * 0.2))::numeric, 3))
FROM odds_price p
JOIN odds_selection s ON s.id = p.selection_id
JOIN odds_event e ON e.id = s.event_id
CROSS JOIN generate_series(%(first)s, %(last)s) g
WHERE e.commence_time < now()
ON CONFLICT DO NOTHING
"""
PAST_KEYS = """
SELECT count(*) FROM odds_price p
JOIN odds_selection s ON s.id = p.selection_id JOIN odds_event e ON e.id = s.event_id
WHERE e.commence_time < now()
"""


def on_timescaledb() -> bool:
    return active_path(connection) == TIMESCALEDB


class History:
    """Odds history grown round by round, each round one row further back for every finished key."""

    def __init__(self) -> None:
        self.rounds = 0

    def grow(self, target_rows: int) -> int:
        """Add rounds until the table holds ``target_rows`` (or more); its row count."""
        timescale = on_timescaledb()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM odds_pricehistory")
            have = cursor.fetchone()[0]
            if have < target_rows:
                cursor.execute(PAST_KEYS)
                keys = max(cursor.fetchone()[0], 1)
                rounds = -(-(target_rows - have) // keys)
                if timescale:  # inserting into compressed chunks checks the key batch by batch
                    cursor.execute("SELECT count(decompress_chunk(c, true)) FROM show_chunks('odds_pricehistory') c")
                cursor.execute(GROW, {"first": self.rounds + 1, "last": self.rounds + rounds})
                self.rounds += rounds
            if timescale:
                compress_chunks(older_than="7 days")
            cursor.execute("ANALYZE odds_pricehistory")
            cursor.execute("SELECT count(*) FROM odds_pricehistory")
            rows: int = cursor.fetchone()[0]
            return rows


def compress_chunks(*, older_than: str | None = None) -> int:
    """Compress the history chunks older than this interval (every chunk: None); how many chunks."""
    within = f", older_than => INTERVAL '{older_than}'" if older_than else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(compress_chunk(c, true)) FROM show_chunks('odds_pricehistory'{within}) c")
        chunks: int = cursor.fetchone()[0]
        return chunks
