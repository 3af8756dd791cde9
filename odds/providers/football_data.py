"""football-data.co.uk CSV files: results and every bookmaker's opening and closing prices.

Two layouts exist: the main leagues (``Div, Date, Time, HomeTeam, AwayTeam, FTHG, FTAG, ...``) and
the "new leagues" (``Country, League, Season, Date, Time, Home, Away, HG, AG, ...`` whose prices,
``PH/PD/PA`` for Pinnacle and ``Max*``/``Avg*``, are all closing prices). Prices are stored as two
observations per bookmaker: the opening price two days before kick-off (when the site collects
it) and the closing price at kick-off.
``Max``/``Avg`` columns become the pseudo-bookmakers ``market_max`` and ``market_avg``.
Dates are dd/mm/yy or dd/mm/yyyy, times UK local time (15:00 when a file has none).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from odds.ingest import EventOdds, Quote, Snapshot, check_score, check_time
from odds.markets import ZERO, InvalidQuote, line_of, to_point, to_price
from odds.models import DRAW, FOOTBALL_DATA, H2H, OVER, SPREADS, TOTALS, UNDER

UK = ZoneInfo("Europe/London")
OPENING_LEAD = timedelta(days=2)
DEFAULT_KICKOFF = time(15, 0)

# football-data column prefix -> The Odds API bookmaker key
BOOKMAKERS = {
    "B365": "bet365",
    "BW": "bwin",
    "IW": "interwetten",
    "PS": "pinnacle",
    "P": "pinnacle",
    "WH": "williamhill",
    "VC": "betvictor",
    "LB": "ladbrokes_uk",
    "SJ": "stanjames",
    "SB": "sportingbet",
    "GB": "gamebookers",
    "BS": "bluesquare",
    "SO": "sportingodds",
    "BF": "betfair_sb_uk",
    "BFE": "betfair_ex_uk",
    "1XB": "onexbet",
    "CL": "coolbet",
    "BFD": "betfred",
    "BMGM": "betmgm",
    "BV": "betvictor",
    "Max": "market_max",
    "Avg": "market_avg",
    "BbMx": "market_max",
    "BbAv": "market_avg",
}
TITLES = {"market_max": "Market best (football-data)", "market_avg": "Market average (football-data)"}

DIVISIONS = {
    "E0": ("soccer_epl", "EPL"),
    "E1": ("soccer_efl_champ", "Championship"),
    "E2": ("soccer_england_league1", "League 1"),
    "E3": ("soccer_england_league2", "League 2"),
    "SC0": ("soccer_spl", "Premiership - Scotland"),
    "D1": ("soccer_germany_bundesliga", "Bundesliga - Germany"),
    "D2": ("soccer_germany_bundesliga2", "Bundesliga 2 - Germany"),
    "SP1": ("soccer_spain_la_liga", "La Liga"),
    "SP2": ("soccer_spain_segunda_division", "La Liga 2"),
    "I1": ("soccer_italy_serie_a", "Serie A"),
    "I2": ("soccer_italy_serie_b", "Serie B"),
    "F1": ("soccer_france_ligue_one", "Ligue 1"),
    "F2": ("soccer_france_ligue_two", "Ligue 2"),
    "N1": ("soccer_netherlands_eredivisie", "Eredivisie"),
    "B1": ("soccer_belgium_first_div", "Belgium First Div"),
    "P1": ("soccer_portugal_primeira_liga", "Primeira Liga"),
    "T1": ("soccer_turkey_super_league", "Turkey Super League"),
    "G1": ("soccer_greece_super_league", "Super League"),
}
NEW_LEAGUES = {
    ("Norway", "Eliteserien"): "soccer_norway_eliteserien",
    ("USA", "MLS"): "soccer_usa_mls",
    ("Japan", "J-League"): "soccer_japan_j_league",
    ("Argentina", "Superliga"): "soccer_argentina_primera_division",
    ("Argentina", "Liga Profesional"): "soccer_argentina_primera_division",
    ("Brazil", "Serie A"): "soccer_brazil_campeonato",
    ("Sweden", "Allsvenskan"): "soccer_sweden_allsvenskan",
    ("Denmark", "Superliga"): "soccer_denmark_superliga",
}

# (regex over a column name) -> (bookmaker prefix, closing?, market, outcome side)
_1X2 = re.compile(
    r"^(?P<book>B365|BW|IW|PS|P|WH|VC|LB|SJ|SB|GB|BS|SO|BFE|BFD|BF|1XB|CL|BMGM|BV|Max|Avg|BbMx|BbAv)"
    r"(?P<closing>C)?(?P<side>[HDA])$"
)
_OU = re.compile(r"^(?P<book>B365|P|Max|Avg|BbMx|BbAv|GB|BFE)(?P<closing>C)?(?P<side>[><])2\.5$")
_AH = re.compile(r"^(?P<book>B365|P|Max|Avg|BbMx|BbAv|BFE)(?P<closing>C)?AH(?P<side>[HA])$")


@dataclass
class ImportResult:
    snapshot: Snapshot
    rows: int = 0
    skipped: list[str] = field(default_factory=list)  # rows not imported, with their reasons
    dropped: list[str] = field(default_factory=list)  # cells not imported from rows that were


def read_text(path: Path) -> str:
    """The files come as UTF-8 (some with a BOM) or Latin-1."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse_file(path: Path) -> ImportResult:
    return parse_csv(read_text(path), name=path.name)


def parse_csv(text: str, *, name: str = "<csv>") -> ImportResult:
    """A whole file as one result."""
    whole = ImportResult(Snapshot())
    for part in iter_csv(text, name=name):
        whole.snapshot.events += part.snapshot.events
        whole.snapshot.bookmaker_titles.update(part.snapshot.bookmaker_titles)
        whole.rows += part.rows
        whole.skipped += part.skipped
        whole.dropped += part.dropped
    whole.snapshot.rejected = whole.skipped
    return whole


def iter_csv(text: str, *, name: str = "<csv>", rows_per_part: int = 1000) -> Iterator[ImportResult]:
    """A file in parts of ``rows_per_part`` rows, so that a large file is never held as objects whole."""
    part = _part()
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = None if "\x00" in text else reader.fieldnames
    except csv.Error as exc:
        part.skipped.append(f"{name}: not a CSV file ({exc})")
        yield part
        return
    if not fieldnames:
        part.skipped.append(
            f"{name}: " + ("not a CSV text file (it contains NUL bytes)" if "\x00" in text else "empty file")
        )
        yield part
        return
    fields = [f.strip() for f in fieldnames]
    reader.fieldnames = fields
    columns = _price_columns(fields)
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            part.skipped.append(f"{name} line {reader.line_num}: not readable as CSV ({exc})")
            break
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # the trailing empty lines some seasons have
        part.rows += 1
        try:
            part.snapshot.events.append(_event(row, columns, f"{name} line {line}", part.dropped))
        except InvalidQuote as exc:
            part.skipped.append(str(exc))
        if part.rows == rows_per_part:
            yield part
            part = _part()
    yield part


def _part() -> ImportResult:
    part = ImportResult(Snapshot())
    part.snapshot.bookmaker_titles.update(TITLES)
    part.snapshot.rejected = part.skipped
    return part


@dataclass(frozen=True)
class _Column:
    name: str
    bookmaker: str
    closing: bool
    market: str
    side: str  # H, D, A for 1X2 and AH; > < for totals


def _price_columns(fields: list[str]) -> list[_Column]:
    columns = []
    for name in fields:
        for pattern, market in ((_1X2, H2H), (_OU, TOTALS), (_AH, SPREADS)):
            match = pattern.match(name)
            if match:
                columns.append(_Column(name, BOOKMAKERS[match["book"]], bool(match["closing"]), market, match["side"]))
                break
    return columns


def _event(row: dict[str, str], columns: list[_Column], where: str, dropped: list[str]) -> EventOdds:
    def get(*names: str) -> str:
        for n in names:
            value = (row.get(n) or "").strip()
            if value:
                return value
        return ""

    home, away = get("HomeTeam", "Home", "HT"), get("AwayTeam", "Away", "AT")
    if not home or not away:
        raise InvalidQuote(f"{where}: home or away team is missing")
    kickoff = _kickoff(get("Date"), get("Time"), where)
    if get("Div"):
        division = get("Div")
        sport_key, sport_title = DIVISIONS.get(division, (f"soccer_{division.lower()}", division))
        provider_prefix = division
    elif get("Country"):
        country, league = get("Country"), get("League")
        sport_key = NEW_LEAGUES.get((country, league), "soccer_" + re.sub(r"\W+", "_", f"{country}_{league}").lower())
        sport_title = f"{league} - {country}"
        provider_prefix = f"{country}-{league}"
    else:
        raise InvalidQuote(f"{where}: neither Div nor Country: not a football-data file")
    event = EventOdds(
        source=FOOTBALL_DATA,
        provider_id=f"{provider_prefix}:{kickoff.date().isoformat()}:{home}:{away}",
        sport_key=sport_key,
        sport_title=sport_title,
        home_team=home,
        away_team=away,
        commence_time=kickoff,
    )
    home_goals, away_goals = get("FTHG", "HG"), get("FTAG", "AG")
    if home_goals and away_goals:
        try:
            event.home_score, event.away_score = int(home_goals), int(away_goals)
        except ValueError:
            raise InvalidQuote(f"{where}: score {home_goals!r}-{away_goals!r} is not a number") from None
        check_score(event.home_score, "home goals", where)
        check_score(event.away_score, "away goals", where)
        event.completed = True
    new_leagues = bool(get("Country"))
    handicaps = {False: get("AHh", "BbAHh"), True: get("AHCh") or get("AHh", "BbAHh")}
    for column in columns:
        value = (row.get(column.name) or "").strip()
        if not value:
            continue
        closing = column.closing or new_leagues  # the new leagues carry closing prices only
        observed_at = kickoff if closing else kickoff - OPENING_LEAD
        cwhere = f"{where} column {column.name}"
        try:
            price = to_price(value, cwhere)
        except InvalidQuote:
            continue  # one unreadable price cell loses only itself; the row is kept
        if column.market == H2H:
            outcome = {"H": home, "D": DRAW, "A": away}[column.side]
            point = ZERO
        elif column.market == TOTALS:
            outcome, point = (OVER if column.side == ">" else UNDER), Decimal("2.50")
        else:
            if not handicaps[closing]:
                continue
            try:
                home_line = to_point(handicaps[closing], f"{where} handicap")
            except InvalidQuote as exc:
                dropped.append(f"{exc}: column {column.name} dropped")
                continue
            outcome = home if column.side == "H" else away
            point = home_line if column.side == "H" else -home_line
        event.quotes.append(
            Quote(
                column.bookmaker,
                column.market,
                outcome,
                point,
                line_of(column.market, outcome, point, home),
                price,
                observed_at,
            )
        )
    return event


def _kickoff(day: str, clock: str, where: str) -> datetime:
    if not day:
        raise InvalidQuote(f"{where}: the date is missing")
    parsed: date | None = None
    for fmt in ("%d/%m/%Y", "%d/%m/%y"):
        try:
            parsed = datetime.strptime(day, fmt).date()  # noqa: DTZ007 - a date, made aware below
            break
        except ValueError:
            continue
    if parsed is None:
        raise InvalidQuote(f"{where}: date {day!r} is not dd/mm/yy or dd/mm/yyyy")
    kick = DEFAULT_KICKOFF
    if clock:
        try:
            kick = datetime.strptime(clock, "%H:%M").time()  # noqa: DTZ007
        except ValueError:
            raise InvalidQuote(f"{where}: time {clock!r} is not HH:MM") from None
    try:
        return check_time(datetime.combine(parsed, kick, tzinfo=UK).astimezone(UTC), "date", where)
    except OverflowError:
        raise InvalidQuote(f"{where}: date {day!r} is out of range") from None


def iter_files(paths: list[str]) -> Iterator[Path]:
    """The files named, and every ``.csv`` file inside the folders named (at any depth)."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv")
        else:
            yield path
