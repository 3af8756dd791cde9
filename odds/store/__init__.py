"""The odds store: the only code outside migrations and the benchmark that names odds tables in SQL.

Other apps read and write prices through these typed functions, which return plain rows (NamedTuples
of floats where tens of thousands are read, Decimals where a few are shown or stored):
``writes`` holds a snapshot's set-based write (COPY, history, current prices, withdrawals) and the
collector's lease; ``reads`` the current quotes in a scope, best prices, prices in force at a time,
an event's history up to kick-off, the stored update times, the finished events' lines with their
results and every book's opening and closing prices (for calibration), and when each price in force
at kick-off was last seen before it (``kickoff_sightings``, ``closing_quote``), an event's selections
as its history tells them (``quoted_selections``, for the event page's lines); ``lines`` a period's
price changes, for the bookmaker comparison.
"""

from odds.store.lines import PeriodPrice, period_history
from odds.store.reads import (
    QUOTES_SQL,
    STREAM_ROWS,
    BestPriceRow,
    Close,
    CurrentQuote,
    FinishedSelection,
    HistoryRow,
    InForce,
    OpeningClosing,
    QuotedSelection,
    SelectionSummary,
    Sighting,
    best_prices,
    closes,
    closing_quote,
    current_quotes,
    event_times,
    finished_selections,
    history_to_kickoff,
    kickoff_sightings,
    known_updates,
    opening_and_closing_prices,
    prices_at_least,
    prices_in_force,
    quoted_selections,
    selection_summaries,
)
from odds.store.writes import CopyText, QuoteRows, take_lease, write_prices

__all__ = [
    "QUOTES_SQL",
    "STREAM_ROWS",
    "BestPriceRow",
    "Close",
    "CopyText",
    "CurrentQuote",
    "FinishedSelection",
    "HistoryRow",
    "InForce",
    "OpeningClosing",
    "PeriodPrice",
    "QuoteRows",
    "QuotedSelection",
    "SelectionSummary",
    "Sighting",
    "best_prices",
    "closes",
    "closing_quote",
    "current_quotes",
    "event_times",
    "finished_selections",
    "history_to_kickoff",
    "kickoff_sightings",
    "known_updates",
    "opening_and_closing_prices",
    "period_history",
    "prices_at_least",
    "prices_in_force",
    "quoted_selections",
    "selection_summaries",
    "take_lease",
    "write_prices",
]
