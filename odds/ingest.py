"""One ingestion path for every source: The Odds API, saved responses, football-data CSVs, the demo.

A provider parses its input into ``EventOdds`` (events with their quotes); ``ingest_snapshot``
writes them in one transaction: events are upserted, each distinct selection is COPY'd once and
upserted, the prices are COPY'd with their selection ids into a temporary table, and set-based
statements write history (changed prices only) and move the current prices forward.

What the database guarantees, whatever the order or concurrency of ingestions: an observation is
stored once (history's primary key, ``ON CONFLICT DO NOTHING``); a current price only moves to a newer
observation, and a price withdrawn by a newer snapshot stays withdrawn when an older one is
re-imported (``WithdrawnPrice``). Ingestions lock only the events they write (their upsert, in key
order), so different sports are written at once and the same response twice is written once.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone

from odds.models import H2H, SPREADS, TOTALS, Bookmaker, Event, Sport

logger = logging.getLogger(__name__)

MARKET_KEYS = {H2H, SPREADS, TOTALS}
PRICE_STEP = Decimal("0.001")
POINT_STEP = Decimal("0.01")
MAX_PRICE = Decimal("10000")
ZERO = Decimal(0)

# Bookmakers whose prices are close to the true probability (low margin, high limits, or an exchange).
SHARP_BOOKMAKERS = {
    "pinnacle",
    "betfair_ex_eu",
    "betfair_ex_uk",
    "betfair_ex_au",
    "matchbook",
    "smarkets",
    "betcris",
    "circasports",
    "lowvig",
}
AGGREGATES = {"market_max", "market_avg"}
EXCHANGES = {"betfair_ex_eu", "betfair_ex_uk", "betfair_ex_au", "matchbook", "smarkets", "betdaq"}


class InvalidQuote(ValueError):
    """A price, point or time that cannot be stored; the message says what and where."""


@dataclass(slots=True)  # not frozen: frozen dataclasses are several times slower to build
class Quote:
    bookmaker: str
    market: str
    outcome: str
    point: Decimal  # 0 for h2h
    line: Decimal  # what the outcomes of one line share: home handicap, total, or 0
    price: Decimal
    observed_at: datetime


@dataclass
class EventOdds:
    source: str
    provider_id: str
    sport_key: str
    home_team: str
    away_team: str
    commence_time: datetime
    sport_title: str = ""
    quotes: list[Quote] = field(default_factory=list)
    home_score: int | None = None
    away_score: int | None = None
    completed: bool | None = None


@dataclass
class Snapshot:
    events: list[EventOdds] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one reason per rejected item, naming where
    bookmaker_titles: dict[str, str] = field(default_factory=dict)
    unchanged: int = 0  # prices of markets skipped as unchanged since the last snapshot
    # (event provider id, bookmaker, market, last_update) of those skipped markets
    unchanged_markets: list[tuple[str, str, str, datetime]] = field(default_factory=list)
    # A complete snapshot lists every bookmaker still quoting each market it contains (an /odds answer):
    # a book missing from a market it quoted before has withdrawn its price.
    complete: bool = False
    # whether prices of these events were stored before this snapshot; None when the provider did not
    # look (then withdrawals are always checked)
    stored_before: bool | None = None
    # (event provider id, bookmaker, market) stored before that this snapshot does not mention, valid
    # or unchanged: their bookmaker has gone
    unseen_markets: set[tuple[str, str, str]] = field(default_factory=set)

    @property
    def quote_count(self) -> int:
        return sum(len(event.quotes) for event in self.events)


@dataclass
class IngestResult:
    events: int = 0
    prices_seen: int = 0  # including those of unchanged markets
    history_written: int = 0
    current_updated: int = 0
    withdrawn: int = 0  # current prices removed: their bookmaker no longer quotes the market
    rejected: list[str] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)


def to_price(value: object, where: str) -> Decimal:
    """A decimal price > 1, rounded to 3 places, from a number or numeric string."""
    if isinstance(value, bool) or value is None or value == "":
        raise InvalidQuote(f"{where}: price {value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidQuote(f"{where}: price {value!r} is not finite")
    try:
        price = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuote(f"{where}: price {value!r} is not a number") from None
    if not price.is_finite():
        raise InvalidQuote(f"{where}: price {value!r} is not finite")
    if price <= 1:
        raise InvalidQuote(f"{where}: price {price} must be above 1.0")
    if price >= MAX_PRICE:
        raise InvalidQuote(f"{where}: price {price} is implausibly high")
    return price.quantize(PRICE_STEP)


def to_point(value: object, where: str) -> Decimal:
    try:
        point = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidQuote(f"{where}: point {value!r} is not a number") from None
    if not point.is_finite() or abs(point) >= 10000:
        raise InvalidQuote(f"{where}: point {value!r} is out of range")
    if point % Decimal("0.25"):
        raise InvalidQuote(f"{where}: point {point} is not a multiple of 0.25")
    return point.quantize(POINT_STEP)


# What the columns hold (odds.models): a provider value beyond them rejects its event or quote alone.
EVENT_TEXT = {"source": 16, "provider_id": 128, "sport_key": 64, "home_team": 128, "away_team": 128}
TITLE_LENGTH = 128
EARLIEST, LATEST = datetime(1990, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
MAX_SCORE = 32767
BOOKMAKER_KEY = re.compile(r"[a-z0-9_]{1,64}")


def check_text(value: object, name: str, limit: int, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidQuote(f"{where}: {name} is missing or not text")
    if len(value) > limit:
        raise InvalidQuote(f"{where}: {name} is longer than {limit} characters")
    if "\x00" in value:
        raise InvalidQuote(f"{where}: {name} contains a NUL character")
    return value


def check_time(value: object, name: str, where: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidQuote(f"{where}: {name} is not a time with a zone")
    if not EARLIEST <= value < LATEST:
        raise InvalidQuote(f"{where}: {name} {value:%Y-%m-%d} is outside {EARLIEST.year}-{LATEST.year - 1}")
    return value


def check_score(value: object, name: str, where: str) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SCORE):
        raise InvalidQuote(f"{where}: {name} {value!r} is not a score between 0 and {MAX_SCORE}")
    return value


def check_event(odds: EventOdds) -> list[str]:
    """Refuse an event whose fields cannot be stored (raises ``InvalidQuote``), and drop each quote
    that cannot be stored; returns the reasons of the quotes dropped."""
    where = f"event {str(odds.provider_id)[:128]!r}"
    for name, limit in EVENT_TEXT.items():
        check_text(getattr(odds, name), name, limit, where)
    check_time(odds.commence_time, "commence_time", where)
    check_score(odds.home_score, "home_score", where)
    check_score(odds.away_score, "away_score", where)
    if not isinstance(odds.sport_title, str):
        raise InvalidQuote(f"{where}: sport_title is not text")
    odds.sport_title = odds.sport_title.replace("\x00", "")[:TITLE_LENGTH]
    checked: dict[object, str | None] = {}  # each distinct value once: a response repeats them

    def problem(kind: str, value: object) -> str | None:
        key = (kind, type(value), value)
        if key not in checked:
            try:
                if kind == "bookmaker":
                    if not isinstance(value, str) or not BOOKMAKER_KEY.fullmatch(value):
                        raise InvalidQuote(f"{where}: bookmaker key {str(value)[:80]!r} is not a bookmaker key")
                elif kind == "outcome":
                    check_text(value, "outcome", 128, where)
                elif kind == "market":
                    if value not in MARKET_KEYS:
                        raise InvalidQuote(f"{where}: market {str(value)[:80]!r} is not one of ours")
                elif kind == "price":
                    if not isinstance(value, Decimal) or not (1 < value < MAX_PRICE):
                        raise InvalidQuote(f"{where}: price {value!r} is out of range")
                elif kind == "point":
                    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= 10000:
                        raise InvalidQuote(f"{where}: point {value!r} is out of range")
                else:
                    check_time(value, "observed_at", where)
                checked[key] = None
            except InvalidQuote as exc:
                checked[key] = str(exc)
        return checked[key]

    kept, dropped = [], []
    for q in odds.quotes:
        reason = (
            problem("bookmaker", q.bookmaker)
            or problem("market", q.market)
            or problem("outcome", q.outcome)
            or problem("price", q.price)
            or problem("point", q.point)
            or problem("point", q.line)
            or problem("time", q.observed_at)
        )
        if reason is None:
            kept.append(q)
        else:
            dropped.append(reason)
    odds.quotes = kept
    return sorted(set(dropped))


def line_of(market: str, outcome: str, point: Decimal, home_team: str) -> Decimal:
    """The value that the outcomes of one market line share (see ``Selection.line``)."""
    if market == H2H:
        return ZERO
    if market == SPREADS:
        return point if outcome == home_team else -point
    return point


def ingest_snapshot(*, snapshot: Snapshot, collected_at: datetime | None = None) -> IngestResult:
    """Write a parsed snapshot: events, selections, changed prices to history, current prices."""
    collected_at = collected_at or timezone.now()
    result = IngestResult(rejected=list(snapshot.rejected), prices_seen=snapshot.unchanged)
    snapshot.events = _admissible(snapshot.events, result.rejected)
    if not snapshot.events:
        return result
    with transaction.atomic():
        sports = _upsert_sports(snapshot)
        bookmakers = _upsert_bookmakers(snapshot)
        event_ids = _upsert_events(snapshot, sports, collected_at)
        result.events = len(event_ids)
        result.event_ids = sorted(set(event_ids.values()))
        rows = quote_rows(snapshot, event_ids, bookmakers)
        result.prices_seen += len(rows.prices)
        # Withdrawals can only hide in a market that changed, or behind a bookmaker gone missing, and
        # only where prices were stored before (a first snapshot of its events has nothing to withdraw).
        withdrawals = (
            snapshot.complete
            and snapshot.stored_before is not False
            and (bool(rows.prices) or _books_missing(snapshot))
        )
        unchanged = _unchanged_rows(snapshot, event_ids, bookmakers) if withdrawals else []
        if rows.prices or withdrawals:
            result.history_written, result.current_updated, result.withdrawn = _write_prices(
                rows, collected_at, unchanged if withdrawals else None
            )
    return result


def _admissible(events: list[EventOdds], rejected: list[str]) -> list[EventOdds]:
    """The events that can be stored; each other one, and each quote that cannot, rejected alone."""
    kept = []
    for odds in events:
        try:
            rejected.extend(check_event(odds))
        except InvalidQuote as exc:
            rejected.append(str(exc))
            continue
        kept.append(odds)
    return kept


def _upsert_sports(snapshot: Snapshot) -> dict[str, int]:
    titles = {e.sport_key: e.sport_title or e.sport_key for e in snapshot.events}
    existing = dict(Sport.objects.filter(key__in=titles).values_list("key", "id"))
    missing = [
        Sport(key=key, title=title, group=_sport_group(key)) for key, title in titles.items() if key not in existing
    ]
    if missing:
        Sport.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Sport.objects.filter(key__in=titles).values_list("key", "id"))
    return existing


def _sport_group(key: str) -> str:
    return key.split("_", 1)[0].replace("icehockey", "ice hockey").title()


def _upsert_bookmakers(snapshot: Snapshot) -> dict[str, int]:
    keys = {q.bookmaker for e in snapshot.events for q in e.quotes}
    keys |= {book for _, book, _, _ in snapshot.unchanged_markets}
    existing = dict(Bookmaker.objects.filter(key__in=keys).values_list("key", "id"))
    missing = [
        Bookmaker(
            key=key,
            title=str(snapshot.bookmaker_titles.get(key, key)).replace("\x00", "")[:TITLE_LENGTH] or key,
            is_sharp=key in SHARP_BOOKMAKERS,
            is_exchange=key in EXCHANGES,
            is_aggregate=key in AGGREGATES,
        )
        for key in keys - existing.keys()
    ]
    if missing:
        Bookmaker.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Bookmaker.objects.filter(key__in=keys).values_list("key", "id"))
    return existing


def _upsert_events(snapshot: Snapshot, sports: dict[str, int], collected_at: datetime) -> dict[int, int]:
    """Upsert events; returns {index in snapshot.events: event id}.

    The upsert locks each event's row until the transaction ends: concurrent ingestions of the same
    events wait for each other there, and take the locks in key order so they cannot deadlock."""
    by_key: dict[tuple[str, str], Event] = {}
    for odds in snapshot.events:
        event = Event(
            source=odds.source,
            provider_id=odds.provider_id,
            sport_id=sports[odds.sport_key],
            home_team=odds.home_team,
            away_team=odds.away_team,
            commence_time=odds.commence_time,
            last_collected_at=collected_at,
        )
        if odds.home_score is not None and odds.away_score is not None:
            event.home_score, event.away_score = odds.home_score, odds.away_score
            event.completed = bool(odds.completed)
            event.scores_updated_at = collected_at
        by_key[(odds.source, odds.provider_id)] = event
    events = [by_key[key] for key in sorted(by_key)]
    base_fields = ["sport", "home_team", "away_team", "commence_time", "last_collected_at"]
    Event.objects.bulk_create(
        events, update_conflicts=True, unique_fields=["source", "provider_id"], update_fields=base_fields
    )
    with_scores = [e for e in events if e.home_score is not None]
    if with_scores:  # rows this transaction has locked already
        Event.objects.bulk_create(
            with_scores,
            update_conflicts=True,
            unique_fields=["source", "provider_id"],
            update_fields=[*base_fields, "home_score", "away_score", "completed", "scores_updated_at"],
        )
    return {i: by_key[(o.source, o.provider_id)].pk for i, o in enumerate(snapshot.events)}


class CopyText(dict):
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

    selections: list[tuple] = field(default_factory=list)  # (number, event id, market, outcome, point, line)
    prices: list[tuple] = field(default_factory=list)  # (selection number, bookmaker id, price, observed at)
    text: CopyText = field(default_factory=CopyText)


def quote_rows(snapshot: Snapshot, event_ids: dict[int, int], bookmakers: dict[str, int]) -> QuoteRows:
    """The COPY rows of a snapshot, given the id of each event (by its place in the snapshot) and of
    each bookmaker. Duplicates (the same outcome twice in one response) are ordered in _in_batch_order."""
    rows = QuoteRows()
    text, numbers, prices = rows.text, {}, rows.prices
    for index, odds in enumerate(snapshot.events):
        event = event_ids[index]
        for q in odds.quotes:
            key = (event, q.market, q.outcome, q.point)
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(numbers)
                rows.selections.append((number, event, q.market, q.outcome, text[q.point], text[q.line]))
            prices.append((number, bookmakers[q.bookmaker], text[q.price], text[q.observed_at]))
    return rows


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
    observed_at timestamptz NOT NULL, new_selection boolean NOT NULL,
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

# A current price moves only to a newer observation (changed or not: its time says how fresh it is).
MOVE_CURRENT = """
UPDATE odds_price c
SET price = latest.price, observed_at = latest.observed_at, collected_at = %(collected_at)s
FROM resolved_price latest
WHERE latest.latest_in_batch
  AND c.selection_id = latest.selection_id AND c.bookmaker_id = latest.bookmaker_id
  AND latest.observed_at > c.observed_at
"""

# A key with no current price gets one, unless a newer snapshot withdrew it; a withdrawal that a newer
# observation overrides is forgotten. ON CONFLICT covers a concurrent ingestion inserting it first.
NEW_CURRENT = """
WITH inserted AS (
    INSERT INTO odds_price AS c (selection_id, bookmaker_id, price, observed_at, collected_at)
    SELECT latest.selection_id, latest.bookmaker_id, latest.price, latest.observed_at, %(collected_at)s
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
    SET price = EXCLUDED.price, observed_at = EXCLUDED.observed_at, collected_at = EXCLUDED.collected_at
    WHERE EXCLUDED.observed_at > c.observed_at
    RETURNING selection_id, bookmaker_id
), forgotten AS (
    DELETE FROM odds_withdrawnprice w USING inserted i
    WHERE w.selection_id = i.selection_id AND w.bookmaker_id = i.bookmaker_id
)
SELECT count(*) FROM inserted
"""


def _books_missing(snapshot: Snapshot) -> bool:
    """Whether a bookmaker stored for a market of these events is absent from this snapshot of it."""
    return snapshot.stored_before is not None and bool(snapshot.unseen_markets)


def _unchanged_rows(snapshot: Snapshot, event_ids: dict[int, int], bookmakers: dict[str, int]) -> list[tuple]:
    ids = {odds.provider_id: event_ids[index] for index, odds in enumerate(snapshot.events)}
    return [
        (ids[event], market, bookmakers[book], stamp)
        for event, book, market, stamp in snapshot.unchanged_markets
        if event in ids and book in bookmakers
    ]


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


def _in_batch_order(prices: list[tuple], text: CopyText) -> list[tuple] | None:
    """For a batch that quotes a (selection, bookmaker) more than once, each price with the price and
    time before it in the batch, its position and whether it is the latest; None when none repeats."""
    keys = {(selection, book) for selection, book, _, _, _ in prices}
    if len(keys) == len(prices):
        return None
    moments = {copied: moment for moment, copied in text.items() if isinstance(moment, datetime)}
    batches: dict[tuple, list[tuple]] = {}
    for row in prices:
        batches.setdefault((row[0], row[1]), []).append(row)
    ordered = []
    for batch in batches.values():
        batch.sort(key=lambda row: moments[row[3]])
        previous = None
        for position, row in enumerate(batch, 1):
            ordered.append((*row, *(previous[2:4] if previous else (None, None)), position, position == len(batch)))
            previous = row
    return ordered


def _write_prices(
    rows: QuoteRows, collected_at: datetime, unchanged: list[tuple] | None = None
) -> tuple[int, int, int]:
    # COPY goes straight to psycopg: wrap it so its errors are Django's, like every other statement's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.execute(SELECTION_TABLE)
        with cursor.copy("COPY incoming_selection (number, event_id, market, outcome, point, line) FROM STDIN") as copy:
            for row in rows.selections:
                copy.write_row(row)
        cursor.execute(NEW_SELECTIONS)
        new = {selection for (selection,) in cursor.fetchall()}
        cursor.execute(SELECTION_IDS)
        ids = dict(cursor.fetchall())  # every selection was just inserted or found: a KeyError otherwise
        prices = [(ids[number], book, price, at, ids[number] in new) for number, book, price, at in rows.prices]
        cursor.execute(RESOLVED_TABLE)
        ordered = _in_batch_order(prices, rows.text)
        columns = RESOLVED_COLUMNS if ordered is None else f"{RESOLVED_COLUMNS}, {IN_BATCH_COLUMNS}"
        with cursor.copy(f"COPY resolved_price ({columns}) FROM STDIN") as copy:
            for row in prices if ordered is None else ordered:
                copy.write_row(row)
        cursor.execute(WRITE_HISTORY, {"collected_at": collected_at})
        history_written = cursor.rowcount
        cursor.execute(MOVE_CURRENT, {"collected_at": collected_at})
        current_updated = cursor.rowcount
        cursor.execute(NEW_CURRENT, {"collected_at": collected_at})
        current_updated += cursor.fetchone()[0]
        withdrawn = 0
        if unchanged is not None:
            cursor.execute(QUOTED_TABLE)
            with cursor.copy(
                "COPY quoted_market (event_id, market, bookmaker_id, observed_at, unchanged) FROM STDIN"
            ) as copy:
                for row in unchanged:
                    copy.write_row((*row, True))
            cursor.execute(WITHDRAW)
            withdrawn = cursor.rowcount
            cursor.execute("DROP TABLE quoted_market")
        cursor.execute("DROP TABLE incoming_selection; DROP TABLE resolved_price")
    return history_written, current_updated, withdrawn


def record_import(*, source: str, sport_key: str, result: IngestResult, events: int) -> None:
    """Imports are runs too: they count in the collector's history and in the metrics."""
    from odds.models import CollectorRun

    now = timezone.now()
    CollectorRun.objects.create(
        kind="import",
        source=source,
        sport_key=sport_key,
        started_at=now,
        finished_at=now,
        status=CollectorRun.OK,
        events_seen=events,
        prices_seen=result.prices_seen,
        history_written=result.history_written,
        rejected=len(result.rejected),
        error="\n".join(result.rejected[:50]),
    )


# Grouped by ids, not by the provider's 32-character event ids and bookmaker keys: a hash of integers
# stays in memory where the one of strings spills to disk.
KNOWN_UPDATES = """
SELECT s.event_id, s.market, p.bookmaker_id, extract(epoch FROM max(p.observed_at))::float8
FROM odds_selection s
JOIN odds_price p ON p.selection_id = s.id
WHERE s.event_id = ANY(%s)
GROUP BY s.event_id, s.market, p.bookmaker_id
"""


def stored_events(*, source: str, provider_ids: list[str]) -> dict[str, int]:
    """The id of each of these events that is stored, by provider id."""
    if not provider_ids:
        return {}
    stored = Event.objects.filter(source=source, provider_id__in=provider_ids)
    return dict(stored.values_list("provider_id", "id"))


def known_updates(events: dict[int, str]) -> dict[tuple[str, str, str], float]:
    """The newest stored observation per (event, bookmaker, market) of these events (id -> provider
    id), as a Unix time (cheaper to read than 40,000 timestamps): a market whose ``last_update``
    equals it has not changed."""
    if not events:
        return {}
    books = dict(Bookmaker.objects.values_list("id", "key"))
    with connection.cursor() as cursor:
        cursor.execute(KNOWN_UPDATES, [list(events)])
        return {(events[event], books[book], market): at for event, market, book, at in cursor.fetchall()}
