"""The Odds API v4: a small client that knows the cost of every call, and the parsers of its bodies.

Facts it relies on (the API's documentation): usage headers ``x-requests-remaining``,
``x-requests-used``, ``x-requests-last`` on every response (but a client must survive their absence);
errors as ``{"message", "error_code", "details_url"}``; 401 for a bad key *and* for spent credits
(``OUT_OF_USAGE_CREDITS``), 422 for bad parameters, 429 above 30 calls a second; the cost of
``/odds`` is markets × regions (every 10 bookmakers count as one region), empty answers are free.
Retries of a 429, a 5xx or a dropped connection are urllib3's (``retry_policy``), below the client.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from odds.ingest import (
    EVENT_TEXT,
    TITLE_LENGTH,
    EventOdds,
    IngestResult,
    Quote,
    Snapshot,
    check_score,
    check_text,
    check_time,
)
from odds.markets import MARKET_KEYS, NO_POINT, ZERO, InvalidQuote, line_of, to_available, to_point, to_price
from odds.models import LAY_MARKETS, ODDS_API

logger = logging.getLogger(__name__)


class OddsApiError(Exception):
    """The API answered with an error, or could not be reached. Never contains the key."""

    def __init__(self, message: str, *, status: int | None = None, error_code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code


class KeyRejected(OddsApiError):
    """401: the key is missing, wrong or deactivated. Collecting again cannot help."""


class QuotaExhausted(OddsApiError):
    """401 OUT_OF_USAGE_CREDITS, or a call that would spend into the reserve."""


class BadRequest(OddsApiError):
    """422: parameters the API refuses; the message is the API's own."""


class ProviderError(OddsApiError):
    """5xx, timeouts, connection errors after the retries, or a body that is not what was documented."""


@dataclass(frozen=True)
class Usage:
    remaining: int | None = None
    used: int | None = None
    last: int | None = None

    @classmethod
    def from_headers(cls, headers: requests.structures.CaseInsensitiveDict[str]) -> Usage:
        def number(name: str) -> int | None:
            value = headers.get(name)
            try:
                return int(float(value)) if value is not None else None
            except ValueError:
                return None

        return cls(number("x-requests-remaining"), number("x-requests-used"), number("x-requests-last"))


@dataclass
class ApiResponse:
    payload: object
    usage: Usage
    attempts: int = 1  # requests made for this answer, retries included


def odds_cost(markets: Iterable[str], regions: Iterable[str] = (), bookmakers: Iterable[str] = ()) -> int:
    """Credits a ``/odds`` call costs at most: markets × regions (10 bookmakers = one region)."""
    markets = list(markets)
    bookmakers = list(bookmakers)
    region_units = math.ceil(len(bookmakers) / 10) if bookmakers else len(list(regions))
    return len(markets) * max(region_units, 1)


HISTORICAL_FACTOR = 10  # a historical snapshot costs ten times the live call


def historical_odds_cost(markets: Iterable[str], regions: Iterable[str]) -> int:
    """Credits a ``/v4/historical/sports/{sport}/odds`` call costs: 10 × markets × regions."""
    return HISTORICAL_FACTOR * odds_cost(markets, regions)


# Statuses worth asking again: rate limiting (429 EXCEEDED_FREQ_LIMIT, "retry after a couple of
# seconds") and a server or gateway down for a moment. 401 (a bad key or spent credits), 404 and 422
# (bad parameters) answer the same every time and are never retried.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_policy(*, retries: int, backoff: float, backoff_max: float) -> Retry:
    """urllib3's retries for GETs to The Odds API: ``retries`` more attempts after a refused
    connection, a connection broken or timed out before the answer, or a status of ``RETRY_STATUSES``.
    The first retry goes at once, then waits ``backoff`` × 2, × 4 … plus up to ``backoff`` of jitter
    (so parallel workers spread apart), never more than ``backoff_max``; a ``Retry-After`` header
    (429, 503) is obeyed, capped at ``backoff_max`` too. The last answer is returned, not raised, so
    the client turns it into its own error."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,  # TLS and proxy errors: the same on every attempt
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_jitter=backoff,
        backoff_max=backoff_max,
        respect_retry_after_header=True,
        retry_after_max=backoff_max,  # type: ignore[arg-type]  # urllib3 hints int; it compares seconds with it
        raise_on_status=False,
    )


class OddsApiClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout: float = 15.0,
        session: requests.Session | None = None,
        max_retries: int = 3,
        backoff: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "monps/0.1")
        retry = retry_policy(retries=max_retries, backoff=backoff, backoff_max=backoff_max)
        self.session.mount(self.base_url + "/", HTTPAdapter(max_retries=retry))

    def sports(self, *, include_all: bool = False) -> ApiResponse:
        return self._get("/v4/sports", {"all": "true"} if include_all else {})

    def events(
        self, sport: str, *, commence_from: datetime | None = None, commence_to: datetime | None = None
    ) -> ApiResponse:
        params = {"dateFormat": "iso"}
        params.update(_time_window(commence_from, commence_to))
        return self._get(f"/v4/sports/{sport_path(sport)}/events", params)

    def odds(
        self,
        sport: str,
        *,
        regions: Iterable[str],
        markets: Iterable[str],
        bookmakers: Iterable[str] = (),
        event_ids: Iterable[str] = (),
        commence_from: datetime | None = None,
        commence_to: datetime | None = None,
        bet_limits: bool = False,
    ) -> ApiResponse:
        """``bet_limits``: ask for each exchange price's available amount (``includeBetLimits``)."""
        params = {"markets": ",".join(markets), "oddsFormat": "decimal", "dateFormat": "iso"}
        if bet_limits:
            params["includeBetLimits"] = "true"
        bookmakers, event_ids = list(bookmakers), list(event_ids)
        if bookmakers:
            params["bookmakers"] = ",".join(bookmakers)
        else:
            params["regions"] = ",".join(regions)
        if event_ids:
            params["eventIds"] = ",".join(event_ids)
        params.update(_time_window(commence_from, commence_to))
        return self._get(f"/v4/sports/{sport_path(sport)}/odds", params)

    def historical_odds(
        self, sport: str, *, date: datetime, regions: Iterable[str], markets: Iterable[str]
    ) -> ApiResponse:
        """The snapshot of ``/odds`` at or before ``date`` (paid plans only), in its envelope
        (``parse_historical``)."""
        params = {
            "regions": ",".join(regions),
            "markets": ",".join(markets),
            "oddsFormat": "decimal",
            "dateFormat": "iso",
            "date": _iso(date),
        }
        return self._get(f"/v4/historical/sports/{sport_path(sport)}/odds", params)

    def scores(self, sport: str, *, days_from: int | None = None) -> ApiResponse:
        params = {"dateFormat": "iso"}
        if days_from is not None:
            params["daysFrom"] = str(days_from)
        return self._get(f"/v4/sports/{sport_path(sport)}/scores", params)

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def _get(self, path: str, params: dict[str, str]) -> ApiResponse:
        try:
            response = self.session.get(
                self.base_url + path, params={**params, "apiKey": self.api_key}, timeout=self.timeout
            )
        except requests.RequestException as exc:  # retries spent, or a body cut off in transfer
            raise ProviderError(f"The Odds API {_failure(exc)} on {path}{self._after(exc)}") from None
        attempts = _attempts(response)
        if attempts > 1:
            logger.warning("The Odds API answered %d on %s after %d attempts", response.status_code, path, attempts)
        if response.status_code != 200:
            raise self._error(response, path, attempts)
        try:
            payload = decode_json(response.content)
        except ValueError:
            raise ProviderError(
                f"The Odds API sent a body that is not JSON on {path} ({len(response.content)} bytes, maybe truncated)",
                status=200,
            ) from None
        return ApiResponse(payload, Usage.from_headers(response.headers), attempts)

    def _after(self, exc: requests.RequestException) -> str:
        """How many attempts a failure took: every one allowed when urllib3 gave up retrying."""
        return f" after {self.max_retries + 1} attempts" if _gave_up(exc) and self.max_retries else ""

    def _error(self, response: requests.Response, path: str, attempts: int = 1) -> OddsApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = str(body.get("error_code", ""))
        message = self._redact(str(body.get("message") or response.reason or "no message"))
        after = f" after {attempts} attempts" if attempts > 1 else ""
        text = f"The Odds API answered {response.status_code} {code} on {path}{after}: {message}".replace("  ", " ")
        if response.status_code == 401:
            kind = QuotaExhausted if code == "OUT_OF_USAGE_CREDITS" else KeyRejected
            return kind(text, status=401, error_code=code or "INVALID_KEY")
        if response.status_code == 422:
            return BadRequest(text, status=422, error_code=code)
        return ProviderError(text, status=response.status_code, error_code=code)


def _attempts(response: requests.Response) -> int:
    """Requests urllib3 made for this answer: the retries it recorded, plus the one answered."""
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) + 1 if isinstance(retries, Retry) else 1


def _gave_up(exc: requests.RequestException) -> bool:
    return bool(exc.args) and isinstance(exc.args[0], MaxRetryError)


def _failure(exc: requests.RequestException) -> str:
    """What went wrong, in words that carry no URL (urllib3's own messages quote the key)."""
    reason = exc.args[0].reason if _gave_up(exc) else exc
    if isinstance(reason, NewConnectionError):  # refused, or no such host
        return "could not connect"
    if isinstance(reason, requests.Timeout | Urllib3Timeout):
        return "timed out"
    if isinstance(reason, ProtocolError):  # reset or closed before the status line
        return "broke the connection off before answering"
    if isinstance(reason, requests.ConnectionError):
        return "could not connect"
    return f"sent a broken response ({type(exc).__name__})"


SPORT_KEY = re.compile(r"[a-z0-9_]{1,64}")


def sport_path(sport: str) -> str:
    """A sport key as it may appear in a request path: nothing that could reach another endpoint."""
    if not isinstance(sport, str) or not SPORT_KEY.fullmatch(sport):
        raise BadRequest(f"{str(sport)[:80]!r} is not a sport key (lower-case letters, digits and _)", status=None)
    return sport


def decode_json(content: bytes | str) -> object:
    """A response body as Python objects: orjson is several times faster than json on 100k prices."""
    return orjson.loads(content)


def _time_window(start: datetime | None, end: datetime | None) -> dict[str, str]:
    params = {}
    if start:
        params["commenceTimeFrom"] = _iso(start)
    if end:
        params["commenceTimeTo"] = _iso(end)
    return params


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object, where: str) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidQuote(f"{where}: time {value!r} is out of range") from None
    if not isinstance(value, str) or not value:
        raise InvalidQuote(f"{where}: time {value!r} is missing")
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise InvalidQuote(f"{where}: time {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise InvalidQuote(f"{where}: time {value!r} has no time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidQuote(f"{where}: time {value!r} is out of range") from None


def _text(event: dict[str, Any], name: str, where: str) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidQuote(f"{where}: field {name!r} is missing")
    return value.strip()


# (event id, bookmaker key, market) -> its last_update already stored, a Unix time (odds.store.known_updates)
KnownUpdates = dict[tuple[str, str, str], float]


def parse_odds(
    payload: object,
    *,
    source: str = ODDS_API,
    known: KnownUpdates | None = None,
) -> Snapshot:
    """Parse a ``/v4/sports/{sport}/odds`` body. A bad event or bookmaker market is rejected with its
    reason, and the rest is kept. ``known`` maps (event id, bookmaker, market) to the ``last_update``
    already stored: such a market is unchanged and is not parsed again."""
    if not isinstance(payload, list):
        raise ProviderError(f"odds response is a {type(payload).__name__}, expected a list of events")
    snapshot = Snapshot(
        complete=True, stored_before=None if known is None else bool(known), unseen_markets=set(known or ())
    )
    for index, raw in enumerate(payload):
        where = f"event #{index}"
        try:
            if not isinstance(raw, dict):
                raise InvalidQuote(f"{where}: not an object")
            event_id = _text(raw, "id", where)
            where = f"event {event_id}"
            odds = EventOdds(
                source=source,
                provider_id=event_id,
                sport_key=_text(raw, "sport_key", where),
                sport_title=str(raw.get("sport_title") or ""),
                home_team=_text(raw, "home_team", where),
                away_team=_text(raw, "away_team", where),
                commence_time=parse_time(raw.get("commence_time"), f"{where} commence_time"),
            )
            bookmakers = raw.get("bookmakers", [])
            if not isinstance(bookmakers, list):
                raise InvalidQuote(f"{where}: bookmakers is not a list")
        except InvalidQuote as exc:
            snapshot.rejected.append(str(exc))
            continue
        for bookmaker in bookmakers:
            _parse_bookmaker(bookmaker, odds, snapshot, where, known)
        snapshot.events.append(odds)
    return snapshot


def _parse_bookmaker(
    bookmaker: object, odds: EventOdds, snapshot: Snapshot, where: str, known: KnownUpdates | None = None
) -> None:
    if not isinstance(bookmaker, dict) or not isinstance(bookmaker.get("key"), str):
        snapshot.rejected.append(f"{where}: a bookmaker without a key")
        return
    key = bookmaker["key"]
    snapshot.bookmaker_titles.setdefault(key, str(bookmaker.get("title") or key))
    markets = bookmaker.get("markets") or []
    if not isinstance(markets, list):
        snapshot.rejected.append(f"{where} {key}: markets is not a list")
        return
    for market in markets:
        # A key that is not text cannot be one of ours (and a list or object cannot be looked up).
        if not isinstance(market, dict) or not isinstance(market.get("key"), str) or market["key"] not in MARKET_KEYS:
            continue  # outrights and other markets are not ours to price
        market_key = (odds.provider_id, key, market["key"])
        stamp = market.get("last_update") or bookmaker.get("last_update")
        seen = _STAMPS.get(stamp) if isinstance(stamp, str) else None
        # The common case of a frequent collection (most markets unchanged), kept to a few lookups.
        if seen is not None and known and known.get(market_key) == seen[1]:
            _skip_unchanged(snapshot, market, market_key, seen[0])
            continue
        mwhere = f"{where} {key} {market['key']}"
        try:
            if seen is None:
                observed_at = parse_time(stamp, mwhere)
                if isinstance(stamp, str) and len(_STAMPS) < 100_000:
                    _STAMPS[stamp] = (observed_at, observed_at.timestamp())
                if known and known.get(market_key) == observed_at.timestamp():
                    _skip_unchanged(snapshot, market, market_key, observed_at)
                    continue
            else:
                observed_at = seen[0]
            outcomes = market.get("outcomes")
            fewest = 1 if market["key"] in LAY_MARKETS else 2  # an exchange may lay one outcome alone
            if not isinstance(outcomes, list) or len(outcomes) < fewest:
                raise InvalidQuote(f"{mwhere}: fewer than {'one outcome' if fewest == 1 else 'two outcomes'}")
            quotes = _quotes(outcomes, key, market["key"], observed_at, odds.home_team, mwhere)
        except InvalidQuote as exc:
            snapshot.rejected.append(str(exc))
            continue
        odds.quotes.extend(quotes)
        snapshot.unseen_markets.discard(market_key)


def _skip_unchanged(
    snapshot: Snapshot, market: dict[str, Any], market_key: tuple[str, str, str], observed_at: datetime
) -> None:
    """A bookmaker market whose ``last_update`` is the one already stored: counted, not parsed."""
    snapshot.unchanged += len(market.get("outcomes") or ())
    snapshot.unchanged_markets.append((*market_key, observed_at))
    snapshot.unseen_markets.discard(market_key)


# A response repeats the same few hundred prices and points: convert each value once.
_PRICES: dict[object, Decimal] = {}
_POINTS: dict[object, Decimal] = {}
# last_update text -> (time, Unix time): a response has a few hundred distinct ones.
_STAMPS: dict[str, tuple[datetime, float]] = {}


def _cached(
    cache: dict[object, Decimal], convert: Callable[[object, str], Decimal], value: object, where: Callable[[], str]
) -> Decimal:
    """``convert(value, where())`` once per distinct value; ``where`` is built only when needed."""
    if not isinstance(value, bool):  # True == 1 as a dict key: never let a bool hit the cache
        try:
            return cache[value]
        except (KeyError, TypeError):  # TypeError: an unhashable value, rejected by convert below
            pass
    converted = convert(value, where())
    if len(cache) < 100_000 and isinstance(value, int | float | str):
        cache[value] = converted
    return converted


def _quotes(
    outcomes: list[Any], bookmaker: str, market: str, observed_at: datetime, home: str, where: str
) -> list[Quote]:
    """The quotes of one market. An outcome whose price and point were seen (so validated) before
    takes a few lookups; any other, and one with a bet limit, goes through ``_quote``, which validates,
    converts and remembers."""
    quotes = []
    h2h = market in NO_POINT
    for outcome in outcomes:
        try:
            name = outcome["name"]
            price = _PRICES[outcome["price"]]
            point = ZERO if h2h else _POINTS[outcome["point"]]
        except (KeyError, TypeError, IndexError):  # not a dict, a value not seen yet, or unhashable
            quotes.append(_quote(outcome, bookmaker, market, observed_at, home, where))
            continue
        if type(name) is not str or not name or type(outcome) is not dict or "bet_limit" in outcome:
            quotes.append(_quote(outcome, bookmaker, market, observed_at, home, where))
            continue
        quotes.append(Quote(bookmaker, market, name, point, line_of(market, name, point, home), price, observed_at))
    return quotes


def _quote(outcome: object, bookmaker: str, market: str, observed_at: datetime, home: str, where: str) -> Quote:
    if not isinstance(outcome, dict) or not isinstance(outcome.get("name"), str) or not outcome["name"]:
        raise InvalidQuote(f"{where}: an outcome without a name")
    name = outcome["name"]
    price = _cached(_PRICES, to_price, outcome.get("price"), lambda: f"{where} {name}")
    if market in NO_POINT:
        point = ZERO
    elif outcome.get("point") is None:
        raise InvalidQuote(f"{where} {name}: {market} outcome without a point")
    else:
        point = _cached(_POINTS, to_point, outcome["point"], lambda: f"{where} {name}")
    # Null where an exchange states no limit for the price: not known, never 0.
    limit = outcome.get("bet_limit")
    available = None if limit is None else to_available(limit, f"{where} {name}")
    line = line_of(market, name, point, home)
    return Quote(bookmaker, market, name, point, line, price, observed_at, available)


@dataclass(frozen=True)
class HistoricalSnapshot:
    """A historical answer: the ``/odds`` body as it stood at ``timestamp`` (the snapshot at or before
    the date asked for), and the times of the snapshots either side (None at either end)."""

    timestamp: datetime
    previous: datetime | None
    next: datetime | None
    data: list[Any]


def parse_historical(payload: object) -> HistoricalSnapshot:
    """Unwrap a ``/v4/historical/sports/{sport}/odds`` body: ``{"timestamp", "previous_timestamp",
    "next_timestamp", "data": [events as /odds gives them]}``."""
    if not isinstance(payload, dict):
        raise ProviderError(f"historical odds response is a {type(payload).__name__}, expected an object")
    data = payload.get("data")
    if not isinstance(data, list):
        raise ProviderError(f"historical odds response: data is a {type(data).__name__}, expected a list of events")
    try:
        timestamp = parse_time(payload.get("timestamp"), "historical odds response timestamp")
        previous, following = (
            parse_time(payload[name], f"historical odds response {name}") if payload.get(name) else None
            for name in ("previous_timestamp", "next_timestamp")
        )
    except InvalidQuote as exc:
        raise ProviderError(str(exc)) from None
    return HistoricalSnapshot(timestamp, previous, following, data)


@dataclass(frozen=True)
class ScoreUpdate:
    provider_id: str
    sport_key: str
    sport_title: str
    home_team: str
    away_team: str
    commence_time: datetime
    completed: bool
    home_score: int | None
    away_score: int | None
    updated_at: datetime | None


def parse_scores(payload: object) -> tuple[list[ScoreUpdate], list[str]]:
    """Parse a ``/scores`` body; scores arrive as strings, or null before the start."""
    if not isinstance(payload, list):
        raise ProviderError(f"scores response is a {type(payload).__name__}, expected a list of events")
    updates, rejected = [], []
    for index, raw in enumerate(payload):
        where = f"scores event #{index}"
        try:
            if not isinstance(raw, dict):
                raise InvalidQuote(f"{where}: not an object")
            event_id = _text(raw, "id", where)
            where = f"scores event {event_id}"
            home, away = _text(raw, "home_team", where), _text(raw, "away_team", where)
            by_team = {}
            scores = raw.get("scores") or []
            if not isinstance(scores, list):
                raise InvalidQuote(f"{where}: scores is not a list")
            for score in scores:
                try:
                    by_team[score["name"]] = int(Decimal(str(score["score"])))
                except (KeyError, TypeError, ArithmeticError, ValueError):
                    raise InvalidQuote(f"{where}: score {score!r} is not a number") from None
            # The same limits as an odds event's (odds.ingest.check_event): what the columns hold.
            check_text(event_id, "id", EVENT_TEXT["provider_id"], where)
            sport_key = check_text(_text(raw, "sport_key", where), "sport_key", EVENT_TEXT["sport_key"], where)
            check_text(home, "home_team", EVENT_TEXT["home_team"], where)
            check_text(away, "away_team", EVENT_TEXT["away_team"], where)
            updates.append(
                ScoreUpdate(
                    provider_id=event_id,
                    sport_key=sport_key,
                    sport_title=str(raw.get("sport_title") or "").replace("\x00", "")[:TITLE_LENGTH],
                    home_team=home,
                    away_team=away,
                    commence_time=check_time(parse_time(raw.get("commence_time"), where), "commence_time", where),
                    completed=bool(raw.get("completed")),
                    home_score=check_score(by_team.get(home), "home score", where),
                    away_score=check_score(by_team.get(away), "away score", where),
                    updated_at=parse_time(raw["last_update"], where) if raw.get("last_update") else None,
                )
            )
        except InvalidQuote as exc:
            rejected.append(str(exc))
    return updates, rejected


def ingest_odds(
    payload: object, *, source: str = ODDS_API, collected_at: datetime | None = None, seen_at: datetime | None = None
) -> tuple[Snapshot, IngestResult]:
    """Parse and ingest an ``/odds`` body, skipping the events and bookmaker markets unchanged since
    they were last stored. ``seen_at``: when a live collection received it (None: a saved response,
    whose prices count as seen at their ``last_update``)."""
    from odds.ingest import ingest_snapshot, stored_events
    from odds.store import known_updates

    events = [e for e in payload if isinstance(e, dict)] if isinstance(payload, list) else []
    ids = [e["id"].strip() for e in events if isinstance(e.get("id"), str)]
    stored = stored_events(source=source, provider_ids=ids)
    known = known_updates({pk: key for key, pk in stored.items()})
    snapshot = parse_odds(payload, source=source, known=known)
    return snapshot, ingest_snapshot(snapshot=snapshot, collected_at=collected_at, seen_at=seen_at)
