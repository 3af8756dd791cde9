"""One ingestion path for every source: The Odds API, saved responses, football-data CSVs, the demo.

A provider parses its input into ``EventOdds`` (events with their quotes); ``ingest_snapshot`` checks
them and writes them in one transaction: events, sports and bookmakers through ``odds.services``,
then the quotes as COPY rows (each distinct selection once) through the odds store, whose set-based
statements write history (changed prices only), move the current prices forward and withdraw what a
complete snapshot no longer quotes (``odds.store.writes`` says what the database guarantees).
Ingestions lock only the events they write (their upsert, in key order), so different sports are
written at once and the same response twice is written once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from odds import services, store
from odds.markets import MARKET_KEYS, MAX_AVAILABLE, MAX_POINT, InvalidQuote, price_problem
from odds.markets import ZERO as ZERO  # re-exported: quotes are built with it
from odds.models import Event
from odds.store import QuoteRows

logger = logging.getLogger(__name__)


@dataclass(slots=True)  # not frozen: frozen dataclasses are several times slower to build
class Quote:
    bookmaker: str
    market: str
    outcome: str
    point: Decimal  # 0 for h2h
    line: Decimal  # what the outcomes of one line share: home handicap, total, or 0
    price: Decimal
    observed_at: datetime
    available: Decimal | None = None  # an exchange's amount on offer at the price, when the provider says


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


# What the columns hold (odds.models): a provider value beyond them rejects its event or quote alone.
EVENT_TEXT = {"source": 16, "provider_id": 128, "sport_key": 64, "home_team": 128, "away_team": 128}
TITLE_LENGTH = services.TITLE_LENGTH
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
                    reason = price_problem(value) if isinstance(value, Decimal) else "is out of range"
                    if reason:
                        raise InvalidQuote(f"{where}: price {value!r} {reason}")
                elif kind == "point":
                    if not isinstance(value, Decimal) or not value.is_finite() or abs(value) >= MAX_POINT:
                        raise InvalidQuote(f"{where}: point {value!r} is out of range")
                elif kind == "available":
                    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < MAX_AVAILABLE:
                        raise InvalidQuote(f"{where}: available amount {value!r} is out of range")
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
            or (None if q.available is None else problem("available", q.available))
        )
        if reason is None:
            kept.append(q)
        else:
            dropped.append(reason)
    odds.quotes = kept
    return sorted(set(dropped))


def ingest_snapshot(
    *, snapshot: Snapshot, collected_at: datetime | None = None, seen_at: datetime | None = None
) -> IngestResult:
    """Write a parsed snapshot: events, selections, changed prices to history, current prices.

    ``seen_at`` is when a live collection saw the snapshot: every price it quotes, or skipped as
    unchanged, was quoted then. Without it (an import of a file) each price counts as seen when it
    was observed: football-data's closing price at kick-off, even when it equals the opening one."""
    collected_at = collected_at or timezone.now()
    result = IngestResult(rejected=list(snapshot.rejected), prices_seen=snapshot.unchanged)
    snapshot.events = _admissible(snapshot.events, result.rejected)
    if not snapshot.events:
        return result
    with transaction.atomic():
        written = services.upsert_events(events=snapshot.events, collected_at=collected_at)
        bookmakers = services.ensure_bookmakers(titles=_bookmaker_titles(snapshot))
        event_ids = {i: written.ids[(o.source, o.provider_id)] for i, o in enumerate(snapshot.events)}
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
        seen_unchanged = seen_at is not None and bool(snapshot.unchanged_markets)
        unchanged = _unchanged_rows(snapshot, event_ids, bookmakers) if withdrawals or seen_unchanged else []
        started = _started(snapshot, event_ids, seen_at)
        if rows.prices or withdrawals or seen_unchanged or started:
            result.history_written, result.current_updated, result.withdrawn = store.write_prices(
                rows=rows,
                collected_at=collected_at,
                unchanged=unchanged if withdrawals else None,
                seen_at=seen_at,
                seen_unchanged=unchanged if seen_unchanged else (),
                started=started,
            )
    return result


def _started(snapshot: Snapshot, event_ids: dict[int, int], seen_at: datetime | None) -> list[int]:
    """The events this snapshot was seen after the kick-off of: live, at ``seen_at``; imported, at
    its latest observation of the event."""
    started = []
    for index, odds in enumerate(snapshot.events):
        seen = seen_at or max((q.observed_at for q in odds.quotes), default=None)
        if seen is not None and seen > odds.commence_time:
            started.append(event_ids[index])
    return sorted(set(started))


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


def _bookmaker_titles(snapshot: Snapshot) -> dict[str, str]:
    keys = {q.bookmaker for e in snapshot.events for q in e.quotes}
    keys |= {book for _, book, _, _ in snapshot.unchanged_markets}
    return {key: snapshot.bookmaker_titles.get(key, key) for key in keys}


def quote_rows(snapshot: Snapshot, event_ids: dict[int, int], bookmakers: dict[str, int]) -> QuoteRows:
    """The COPY rows of a snapshot, given the id of each event (by its place in the snapshot) and of
    each bookmaker. Duplicates (the same outcome twice in one response) are ordered by the store."""
    rows = QuoteRows()
    text, prices = rows.text, rows.prices
    numbers: dict[tuple[int, str, str, Decimal], int] = {}
    for index, odds in enumerate(snapshot.events):
        event = event_ids[index]
        for q in odds.quotes:
            key = (event, q.market, q.outcome, q.point)
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(numbers)
                rows.selections.append((number, event, q.market, q.outcome, text[q.point], text[q.line]))
            if q.available is not None:
                rows.available[len(prices)] = text[q.available]
            prices.append((number, bookmakers[q.bookmaker], text[q.price], text[q.observed_at]))
    return rows


def _books_missing(snapshot: Snapshot) -> bool:
    """Whether a bookmaker stored for a market of these events is absent from this snapshot of it."""
    return snapshot.stored_before is not None and bool(snapshot.unseen_markets)


def _unchanged_rows(
    snapshot: Snapshot, event_ids: dict[int, int], bookmakers: dict[str, int]
) -> list[tuple[int, str, int, datetime]]:
    ids = {odds.provider_id: event_ids[index] for index, odds in enumerate(snapshot.events)}
    return [
        (ids[event], market, bookmakers[book], stamp)
        for event, book, market, stamp in snapshot.unchanged_markets
        if event in ids and book in bookmakers
    ]


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


def stored_events(*, source: str, provider_ids: list[str]) -> dict[str, int]:
    """The id of each of these events that is stored, by provider id."""
    if not provider_ids:
        return {}
    stored = Event.objects.filter(source=source, provider_id__in=provider_ids)
    return dict(stored.values_list("provider_id", "id"))
