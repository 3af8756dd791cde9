"""Data versions: one counter per area of data, raised by the database itself on every write.

Cached pages and API answers are keyed by the versions of the areas they show, so any write (a
collection, a detection pass, a bet, an admin edit, a raw SQL fix) makes the next view render afresh.
The counters are raised by statement triggers in the writing transaction (migration
``monps/0001_data_versions``): a reader sees the new version exactly when it sees the new data.
Cached parts also expire on their own (60-300 s), for what changes with the clock alone.
"""

from __future__ import annotations

from django.db import connection

ODDS = "odds"
CATALOG = "catalog"
OPPORTUNITIES = "opportunities"
BETS = "bets"
AREAS = (ODDS, CATALOG, OPPORTUNITIES, BETS)

# The tables behind each area: what the pages of that area read. Events are in ``odds``: every
# collection touches them. A part that shows bets with their events' names is keyed by ``bets`` and
# ``catalog`` only, so a collection does not throw it away; a renamed event shows there when the
# part expires (at most 5 minutes).
TABLES = {
    ODDS: ("odds_event", "odds_selection", "odds_price", "odds_pricehistory"),
    CATALOG: ("odds_sport", "odds_bookmaker"),
    OPPORTUNITIES: (
        "opportunities_strategy",
        "opportunities_strategy_sports",
        "opportunities_strategy_bookmakers",
        "opportunities_opportunity",
        "opportunities_surebet",
    ),
    BETS: ("bets_bet", "bets_ledgerentry"),
}


def data_versions() -> dict[str, str]:
    """{area: version}, each version unique to this database and to one committed state of its area."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT area, version FROM monps_dataversion")
        rows = dict(cursor.fetchall())
    epoch = rows.pop("epoch", 0)
    return {area: f"{epoch:x}.{version}" for area, version in rows.items()}


def raise_all() -> None:
    """A new version for every area, as if everything had been written: every cached part renders
    afresh (benchmarks of the uncached pages, and tests that count a page's own queries)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE monps_dataversion SET version = nextval('monps_dataversion_seq') WHERE area <> 'epoch'")
