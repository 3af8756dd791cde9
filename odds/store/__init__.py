"""The odds store: the only code outside migrations and the benchmark that names odds tables in SQL.

Other apps read and write prices through these typed functions, which return plain rows (NamedTuples
of floats where tens of thousands are read, Decimals where a few are shown or stored):
``writes`` holds a snapshot's set-based write (COPY, history, current prices, withdrawals) and the
collector's lease; ``reads`` the current quotes in a scope, best prices, prices in force at a time,
an event's history up to kick-off, the stored update times, and a book's opening or closing prices
of finished events with their results (for calibration).
"""

from odds.store.reads import (
    QUOTES_SQL,
    STREAM_ROWS,
    BestPriceRow,
    CurrentQuote,
    HistoryRow,
    InForce,
    ReferencePrice,
    SelectionSummary,
    best_prices,
    current_quotes,
    event_times,
    history_to_kickoff,
    known_updates,
    priced_markets,
    prices_at_least,
    prices_in_force,
    reference_prices,
    selection_summaries,
)
from odds.store.writes import CopyText, QuoteRows, take_lease, write_prices

__all__ = [
    "QUOTES_SQL",
    "STREAM_ROWS",
    "BestPriceRow",
    "CopyText",
    "CurrentQuote",
    "HistoryRow",
    "InForce",
    "QuoteRows",
    "ReferencePrice",
    "SelectionSummary",
    "best_prices",
    "current_quotes",
    "event_times",
    "history_to_kickoff",
    "known_updates",
    "priced_markets",
    "prices_at_least",
    "prices_in_force",
    "reference_prices",
    "selection_summaries",
    "take_lease",
    "write_prices",
]
