"""Bets placed elsewhere, brought in from a CSV file: the bets page's import and ``manage.py import_bets``.

The layout (docs/commands.md) is the bets export's (``/bets/export.csv``), so an export imports back;
a bookmaker's or a spreadsheet's file is read the same way with a few column names of its own
(``selection`` for ``outcome``, ``kick_off`` for ``commence_time``, ``home_team`` and ``away_team``
for ``event``). Each line is matched to one stored event by its teams and kick-off
(``odds.teams``: "Man United" is Manchester United): a line that fits no event, or two, is
reported and never guessed. Every bet goes through ``bets.services.place_bet``, so an imported bet
obeys the rules of one entered by hand.

All or nothing: the lines are written in one transaction, rolled back if any line is refused, and
the report names each refused line with its number and reasons.

Importing a file twice writes its bets once. A bet's natural key is its event, market, outcome,
point, bookmaker, price, stake and placing time; a line is already stored when the database holds as
many bets with its key as the file has lines with that key up to it (so two identical bets listed
twice are two bets, and a second import of the file writes neither).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from bets import services, settlement
from bets.models import Bet
from odds.models import DRAW, H2H, MARKETS, OVER, SPREADS, TOTALS, UNDER, Bookmaker, Event, Sport
from odds.teams import SAME_TEAM, similarity
from opportunities.pricing import METHODS
from web.strict import NotPlainNumber, plain_decimal, shown

if TYPE_CHECKING:
    from django.contrib.auth.models import User

T = TypeVar("T")

KICKOFF_TOLERANCE = timedelta(hours=3)
MAX_LINES = 100_000
# One import at a time: two imports of one file at once would both find its bets missing.
LOCK_KEY = 7_210_421

REQUIRED = ("placed_at", "market", "outcome", "bookmaker", "price", "stake")
OPTIONAL = (
    "event",
    "home_team",
    "away_team",
    "commence_time",
    "sport",
    "point",
    "status",
    "profit",
    "strategy",
    "notes",
)
ALIASES = {"selection": "outcome", "kick_off": "commence_time", "kickoff": "commence_time", "strategy_name": "strategy"}
# The export's columns that monps works out itself (the closing line, CLV): read past on import.
DERIVED = {"id", "closing_price", "clv", "closing_note", "closing_reference", "closing_seen_at"}
DERIVED |= {"closing_age_minutes", "closing_point", "closing_method", *(f"clv_{method}" for method in METHODS)}
TEAMS_SEPARATOR = re.compile(r"\s+(?:v|vs\.?|-)\s+", re.IGNORECASE)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The export writes a text cell that a spreadsheet would run as a formula with a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STATUSES = {**{key: key for key, _ in Bet.STATUSES}, **{label.casefold(): key for key, label in Bet.STATUSES}}
# The status a profit alone stands for, in the order they are tried (0 is read as void).
PROFIT_STATUSES = (Bet.WON, Bet.LOST, Bet.HALF_WON, Bet.HALF_LOST, Bet.VOID)


class ImportRefused(Exception):
    """The file as a whole cannot be read (no header, not CSV, too many lines)."""


class TooManyLines(ImportRefused):
    pass


@dataclass(frozen=True)
class LineProblem:
    line: int
    reasons: list[str]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class LineMatch:
    """A line written (or, in a check, that would be): the event it was matched to."""

    line: int
    given: str  # the event as the file names it
    event: Event
    bet: str
    already_stored: bool = False


@dataclass
class ImportReport:
    name: str
    dry_run: bool = False
    lines: int = 0
    written: int = 0
    already_stored: int = 0
    problems: list[LineProblem] = field(default_factory=list)
    matches: list[LineMatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return f"{self.name}: {len(self.problems)} of {self.lines} lines refused; nothing written."
        verb = "would be written" if self.dry_run else "written"
        return f"{self.name}: {self.lines} lines, {self.written} bets {verb}, {self.already_stored} already stored."


@dataclass(frozen=True)
class _Line:
    """One line read, its event found and its bet's terms cleaned by the services' own rules."""

    number: int
    given: str
    event: Event
    bet: services.BetInput
    key: tuple[object, ...]
    shown: str  # the bet, for the report
    status: str | None
    profit: Decimal | None


def import_bets(
    *,
    text: str,
    name: str = "file",
    user: User | None = None,
    via: str = "command",
    zone: tzinfo = UTC,
    dry_run: bool = False,
    max_lines: int = MAX_LINES,
) -> ImportReport:
    """Read ``text`` (CSV) and write its bets through ``place_bet``, all or none. ``zone``: the time
    zone of times written without an offset. ``dry_run``: check every line, write nothing."""
    report = ImportReport(name=name, dry_run=dry_run)
    rows = list(_rows(text))
    if not rows:
        raise ImportRefused(f"{name} has no header line")
    (_, header), body = rows[0], rows[1:]
    columns = _columns(header)
    unknown = [cell for cell, column in zip(header, columns, strict=True) if column == ""]
    if problem := _missing(columns) or (unknown and f"unknown or repeated columns {', '.join(map(shown, unknown))}"):
        report.lines = sum(any(cell.strip() for cell in cells) for _, cells in body)
        report.problems.append(LineProblem(1, [f"{problem} (the layout: docs/commands.md)"]))
        return report
    if len(body) > max_lines:
        raise TooManyLines(f"{name} has {len(body):,} lines; at most {max_lines:,} at once here")
    reader = _Reader(zone=zone)
    lines: list[_Line] = []
    for number, cells in body:
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        report.lines += 1
        if len(cells) != len(header):
            report.problems.append(LineProblem(number, [f"{len(cells)} cells where the header has {len(header)}"]))
            continue
        values = {column: _unquoted(cell.strip()) for column, cell in zip(columns, cells, strict=True) if column}
        line = reader.line(number, values)
        if isinstance(line, LineProblem):
            report.problems.append(line)
        else:
            lines.append(line)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        _write(lines, report, user=user, via=via)
        if report.problems or dry_run:
            transaction.set_rollback(True)
    if report.problems:
        report.problems.sort(key=lambda problem: problem.line)
        report.written, report.already_stored, report.matches = 0, 0, []
    return report


def _write(lines: list[_Line], report: ImportReport, *, user: User | None, via: str) -> None:
    stored = Counter(_key(bet) for bet in Bet.objects.filter(event__in={line.event.pk for line in lines}))
    seen: Counter[tuple[object, ...]] = Counter()
    for line in lines:
        seen[line.key] += 1
        if seen[line.key] <= stored[line.key]:
            report.already_stored += 1
            report.matches.append(LineMatch(line.number, line.given, line.event, line.shown, already_stored=True))
            continue
        # No savepoint of its own: place_bet writes nothing it refuses, and a line refused after its
        # bet was written (its profit) refuses the whole file, which is rolled back.
        try:
            bet = services.place_bet(bet=line.bet, user=user, via=via, allow_started=True)
            reasons = _settle_as_given(bet, line, user=user, via=via)
        except services.BetRejected as exc:
            reasons = [f"{_column(field)}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
        if reasons:
            report.problems.append(LineProblem(line.number, reasons))
        else:
            report.written += 1
            report.matches.append(LineMatch(line.number, line.given, line.event, line.shown))


def _settle_as_given(bet: Bet, line: _Line, *, user: User | None, via: str) -> list[str]:
    """The file's status, unless it says pending of a bet its event's result has settled; its profit
    must be the one monps computes."""
    if line.status is None and line.profit is None:
        return []
    if line.event.completed or line.event.cancelled:
        bet.refresh_from_db()  # place_bet settled it from the result
    if line.status is not None and line.status != Bet.PENDING and bet.status != line.status:
        bet = services.settle_bet(bet=bet, status=line.status, user=user, via=via)
    if line.profit is not None and bet.profit != line.profit:
        computed = "none, as it is pending" if bet.profit is None else f"{bet.profit}"
        return [
            f"profit: {line.profit} is not what {bet.status} at {bet.price} for {bet.stake} makes "
            f"({computed}); leave profit empty to take monps's"
        ]
    return []


def _key(bet: Bet) -> tuple[object, ...]:
    return (bet.event_id, bet.market, bet.outcome, bet.point, bet.bookmaker_id, bet.price, bet.stake, bet.placed_at)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each row with the number of the line it starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportRefused(f"line {start}: not CSV ({exc})") from None


def _columns(header: list[str]) -> list[str | None]:
    """Each header cell's column: its name, None for one the export writes and import leaves, ""
    for one monps does not know or that came before."""
    columns: list[str | None] = []
    for cell in header:
        name = re.sub(r"[\s-]+", "_", cell.strip().casefold())
        name = ALIASES.get(name, name)
        if name in DERIVED:
            columns.append(None)
        elif name in REQUIRED or name in OPTIONAL:
            columns.append(name if name not in columns else "")
        else:
            columns.append("")
    return columns


def _missing(columns: list[str | None]) -> str:
    missing = [name for name in REQUIRED if name not in columns]
    if "event" not in columns and not {"home_team", "away_team"} <= set(columns):
        missing.append("event (or home_team and away_team)")
    if "commence_time" not in columns:
        missing.append("commence_time (or kick_off)")
    return f"missing columns: {', '.join(missing)}" if missing else ""


def _unquoted(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _column(service_field: str) -> str:
    return {"strategy_name": "strategy", "selection": "outcome"}.get(service_field, service_field)


class _Reader:
    """Reads lines into bets, with the bookmakers, sports and events asked for once per file."""

    def __init__(self, *, zone: tzinfo) -> None:
        self.zone = zone
        self.bookmakers: dict[str, Bookmaker] = {}
        for bookmaker in Bookmaker.objects.filter(is_aggregate=False):
            self.bookmakers[bookmaker.key.casefold()] = bookmaker
            self.bookmakers.setdefault(bookmaker.title.casefold(), bookmaker)
        self.sports = set(Sport.objects.values_list("key", flat=True))
        self.events: dict[tuple[datetime, datetime, str], list[Event]] = {}

    def line(self, number: int, values: dict[str, str]) -> _Line | LineProblem:
        reasons: list[str] = []

        def read(column: str, reader: Callable[[str], T]) -> T | None:
            """The column read, or None with the reason kept."""
            try:
                return reader(values.get(column, ""))
            except services.BetRejected as exc:
                reasons.append(f"{column}: {' '.join(exc.messages)}")
            except ValueError as exc:
                reasons.append(f"{column}: {exc}")
            return None

        placed_at = read("placed_at", self.placed_at)
        window = read("commence_time", self.kickoff)
        market = read("market", _market)
        bookmaker = read("bookmaker", self.bookmaker)
        sport = read("sport", self.sport)
        price = read("price", services.clean_price)
        stake = read("stake", services.clean_stake)
        status = read("status", _status)
        profit = read("profit", _profit)
        teams = read("event", lambda text: self.teams(text, values))
        event = outcome = point = None
        if teams is not None and window is not None and sport is not None:
            event = read("event", lambda _: self.event(teams, window, sport))
        if event is not None and market is not None:
            outcome = read("outcome", lambda text: _outcome(text, market, event))
            if outcome is not None:
                point = read("point", lambda text: _point(text, market, outcome))
        if status is None and profit is not None and price is not None and stake is not None:
            # At an exchange the profit is net of the commission the bet will be placed with: its own now.
            commission = bookmaker.commission if bookmaker is not None else Decimal(0)
            status = read("profit", lambda _: _status_for(profit, price, stake, commission))
        if status == Bet.PENDING and profit is not None:
            reasons.append(f"profit: {profit} given for a pending bet")
        # Every read that returned None added a reason; the point of an h2h bet is None by right.
        if (
            reasons
            or event is None
            or market is None
            or outcome is None
            or bookmaker is None
            or placed_at is None
            or price is None
            or stake is None
            or teams is None
        ):
            return LineProblem(number, reasons or ["cannot be read"])
        bet = services.BetInput(
            event_id=event.pk,
            market=market,
            outcome=outcome,
            point=point,
            bookmaker=bookmaker.key,
            price=price,
            stake=stake,
            placed_at=placed_at,
            strategy_name=values.get("strategy", ""),
            notes=values.get("notes", ""),
        )
        key = (event.pk, market, outcome, point, bookmaker.pk, price, stake, placed_at)
        shown_point = f" {point:+}" if point is not None else ""
        shown = f"{outcome}{shown_point} ({market}) @ {price} × {stake} at {bookmaker.title}"
        return _Line(number, " v ".join(teams), event, bet, key, shown, status, profit)

    def time(self, text: str) -> datetime | date:
        if not text:
            raise ValueError("is empty")
        try:
            if ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{shown(text)} is not a date and time (ISO 8601: 2024-08-16 19:30, with +01:00 or Z if not in "
                f"{self.zone})"
            ) from None
        return moment.replace(tzinfo=self.zone) if timezone.is_naive(moment) else moment

    def placed_at(self, text: str) -> datetime:
        moment = self.time(text)
        if not isinstance(moment, datetime):
            raise ValueError(f"{shown(text)} has no time of day")
        return services.clean_placed_at(moment.astimezone(UTC), now=timezone.now())

    def kickoff(self, text: str) -> tuple[datetime, datetime]:
        """The window the event's kick-off must fall in: the day, for a date alone."""
        moment = self.time(text)
        if isinstance(moment, datetime):
            return moment - KICKOFF_TOLERANCE, moment + KICKOFF_TOLERANCE
        start = datetime(moment.year, moment.month, moment.day, tzinfo=self.zone)
        return start, start + timedelta(days=1)

    def bookmaker(self, text: str) -> Bookmaker:
        found = self.bookmakers.get(text.casefold())
        if found is None:
            raise ValueError(f"unknown bookmaker {shown(text)}: give a key such as bet365 or a name as in the admin")
        return found

    def sport(self, text: str) -> str:
        if text and text not in self.sports:
            raise ValueError(f"no sport {shown(text)} is stored")
        return text

    def teams(self, text: str, values: dict[str, str]) -> tuple[str, str]:
        if not text:
            home, away = values.get("home_team", ""), values.get("away_team", "")
            if not (home and away):
                raise ValueError("give the event as 'Home v Away', or home_team and away_team")
            return home, away
        parts = TEAMS_SEPARATOR.split(text)
        if len(parts) != 2 or not all(part.strip() for part in parts):
            raise ValueError(f"{shown(text)} is not 'Home v Away'")
        return parts[0].strip(), parts[1].strip()

    def event(self, teams: tuple[str, str], window: tuple[datetime, datetime], sport: str) -> Event:
        """The one stored event whose teams are these, kicking off in the window."""
        start, end = window
        cache_key = (start, end, sport)
        if cache_key not in self.events:
            events = (
                Event.objects.filter(commence_time__gte=start, commence_time__lt=end)
                .select_related("sport")
                .order_by("commence_time", "pk")
            )
            self.events[cache_key] = list(events.filter(sport__key=sport) if sport else events)
        home, away = teams
        scored = [
            (min(similarity(home, event.home_team), similarity(away, event.away_team)), event)
            for event in self.events[cache_key]
        ]
        fits = [event for score, event in scored if score >= SAME_TEAM]
        when = f"kicking off {_window(start, end)}"
        if len(fits) > 1:
            named = " and ".join(f"{event} (id {event.pk}, {event.commence_time:%Y-%m-%d %H:%M} UTC)" for event in fits)
            raise ValueError(f"{home} v {away} {when} fits {len(fits)} stored events, {named}: not guessed")
        if not fits:
            nearest = [str(event) for _, event in sorted(scored, key=lambda pair: -pair[0])[:3]]
            then = f"; stored then: {', '.join(nearest)}" if nearest else "; no event is stored then"
            raise ValueError(f"no stored event is {home} v {away} {when}{then}")
        return fits[0]


def _window(start: datetime, end: datetime) -> str:
    if end - start == 2 * KICKOFF_TOLERANCE:
        hours = KICKOFF_TOLERANCE.seconds // 3600
        return f"within {hours} hours of {(start + KICKOFF_TOLERANCE).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"on {start:%Y-%m-%d} ({start.tzinfo})"


def _market(text: str) -> str:
    key = text.casefold()
    if key not in dict(MARKETS):
        raise ValueError(f"{shown(text)} is not one of {', '.join(dict(MARKETS))}")
    return key


def _outcome(text: str, market: str, event: Event) -> str:
    """The outcome as stored: a team as the event names it, Draw, Over or Under."""
    names = {H2H: [DRAW], SPREADS: [], TOTALS: [OVER, UNDER]}[market]
    for name in names:
        if text.casefold() == name.casefold():
            return name
    valid = {H2H: [event.home_team, DRAW, event.away_team], SPREADS: [event.home_team, event.away_team]}
    valid[TOTALS] = [OVER, UNDER]
    if market != TOTALS:
        teams = [team for team in (event.home_team, event.away_team) if similarity(text, team) >= SAME_TEAM]
        if len(teams) == 1:
            return teams[0]
        if len(teams) == 2:
            raise ValueError(f"{shown(text)} could be either team of {event}")
    raise ValueError(f"{shown(text)} is not an outcome of {market} for {event}: {', '.join(valid[market])}")


def _point(text: str, market: str, outcome: str | None) -> Decimal | None:
    if market == H2H:
        if text:
            raise ValueError("must be empty for h2h")
        return None
    if not text:
        raise ValueError(f"a {market} bet needs the handicap or total")
    return services.clean_point(text, market=market, outcome=outcome or "")


def _status(text: str) -> str | None:
    if not text:
        return None
    status = STATUSES.get(text.casefold()) or STATUSES.get(text.casefold().replace("_", " "))
    if status is None:
        raise ValueError(f"{shown(text)} is not one of {', '.join(key for key, _ in Bet.STATUSES)}")
    return status


def _profit(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return plain_decimal(text, what="an amount")
    except NotPlainNumber as exc:
        raise ValueError(str(exc)) from None


def _status_for(profit: Decimal, price: Decimal, stake: Decimal, commission: Decimal = Decimal(0)) -> str:
    """The settled status a profit alone stands for (a won one net of ``commission``)."""
    for status in PROFIT_STATUSES:
        if settlement.profit(status, price=price, stake=stake, commission=commission) == profit:
            return status
    raise ValueError(f"{profit} is no result of {stake} at {price}: give the status")
