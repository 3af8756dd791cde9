"""Backfilling history from The Odds API's historical snapshots (``manage.py backfill_odds``): the
moments of a range and what they cost, which are done already (``BackfillSnapshot``), and fetching
the others in order, each through ``odds.collector.fetch_historical`` (the budget, the run, the
ingestion of live collection). One call covers every moment before its snapshot's next one, so a
range finer than the API's snapshots never pays twice for the same snapshot."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.utils import timezone

from odds import store
from odds.collector import credits_left, end_lost_runs, fetch_historical, sport_lock
from odds.ingest import IngestResult
from odds.models import BACK_MARKETS, BackfillSnapshot, CollectorRun
from odds.providers.odds_api import (
    HISTORICAL_FACTOR,
    BadRequest,
    HistoricalSnapshot,
    OddsApiClient,
    historical_odds_cost,
    sport_path,
)

# The API's historical odds start on 2020-06-06; its snapshots are 10 minutes apart, 5 since
# September 2022, so a finer step would ask for the same snapshot again.
EARLIEST = datetime(2020, 6, 6, tzinfo=UTC)
SHORTEST_STEP = timedelta(minutes=5)
MOST_MOMENTS = 100_000  # five years every 30 minutes; a larger range is a typo more often than not
REGION = re.compile(r"[a-z0-9]{1,16}")
STEP = re.compile(r"(\d{1,6})\s*([mhd])")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class BackfillError(ValueError):
    """A range or option that cannot be backfilled; the message says which and why."""


def parse_step(text: str) -> timedelta:
    """``--every``: minutes, hours or days (``30m``, ``1h``, ``1d``), at least ``SHORTEST_STEP``."""
    match = STEP.fullmatch(text.strip().lower())
    if not match:
        raise BackfillError(f"--every {text!r}: give minutes, hours or days, e.g. 30m, 1h, 1d")
    step = timedelta(**{UNITS[match[2]]: int(match[1])})
    if step < SHORTEST_STEP:
        raise BackfillError(f"--every {text!r}: at least 5m (the API's snapshots are 5 to 10 minutes apart)")
    return step


def parse_moment(text: str, option: str, *, end_of_day: bool) -> datetime:
    """``--from`` / ``--to``: a date (``2024-01-15``: its midnight, or with ``end_of_day`` its last
    moment) or an ISO 8601 time (UTC unless it names its zone)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BackfillError(f"{option} {text!r}: give a date (2024-01-15) or a time (2024-01-15T12:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end_of_day and "T" not in text and " " not in text.strip():
        moment += timedelta(days=1, microseconds=-1)
    return moment.astimezone(UTC)


def names(text: str | None, option: str, allowed: Callable[[str], bool], what: str) -> list[str] | None:
    """A comma-separated option, sorted and without repeats; None when not given."""
    if text is None:
        return None
    parts = sorted({part.strip() for part in text.split(",") if part.strip()})
    bad = [part for part in parts if not allowed(part)]
    if bad or not parts:
        raise BackfillError(f"{option} {text!r}: {', '.join(bad) or 'nothing'} {what}")
    return parts


def market_names(text: str | None) -> list[str] | None:
    """The markets to ask for: the back markets (exchanges add their lay prices by themselves)."""
    return names(text, "--markets", BACK_MARKETS.__contains__, f"is not one of {', '.join(sorted(BACK_MARKETS))}")


def region_names(text: str | None) -> list[str] | None:
    return names(text, "--regions", lambda part: bool(REGION.fullmatch(part)), "is not a region (uk, eu, us, au …)")


@dataclass
class BackfillPlan:
    sport_key: str
    markets: list[str]  # sorted: with regions, the key of what is done
    regions: list[str]
    moments: list[datetime]
    done: set[datetime]
    cost: int  # credits a snapshot
    credits_left: int | None  # from the last response; None before any
    reserve: int

    @property
    def todo(self) -> list[datetime]:
        return [moment for moment in self.moments if moment not in self.done]

    @property
    def most_credits(self) -> int:
        return len(self.todo) * self.cost

    @property
    def affordable(self) -> int | None:
        """Snapshots the credits left pay for above the reserve; None when they are not known."""
        if self.credits_left is None:
            return None
        return max(self.credits_left - self.reserve, 0) // self.cost


def plan(
    *,
    sport_key: str,
    start: datetime,
    end: datetime,
    every: timedelta,
    markets: list[str] | None = None,
    regions: list[str] | None = None,
    now: datetime | None = None,
) -> BackfillPlan:
    """The moments from ``start`` to ``end`` (both included, up to now) every ``every``, which of
    them are done for these markets and regions (by default the sport's collection settings), and
    what the others cost."""
    from odds.collector import sport_markets, sport_regions
    from odds.models import Sport

    try:
        sport_path(sport_key)
    except BadRequest as exc:
        raise BackfillError(f"--sport: {exc.message}") from None
    now = now or timezone.now()
    if start < EARLIEST:
        raise BackfillError(f"--from {start:%Y-%m-%d}: The Odds API's historical odds start on {EARLIEST:%Y-%m-%d}")
    if end < start:
        raise BackfillError(f"--to {end:%Y-%m-%d %H:%M} is before --from {start:%Y-%m-%d %H:%M}")
    if start > now:
        raise BackfillError(f"--from {start:%Y-%m-%d %H:%M} is in the future: there is no snapshot yet")
    last = min(end, now)
    count = int((last - start) / every) + 1
    if count > MOST_MOMENTS:
        raise BackfillError(f"{count:,} moments from --from to --to every {every}: at most {MOST_MOMENTS:,} a run")
    sport = Sport.objects.filter(key=sport_key).first()
    markets = sorted(set(markets or sport_markets(sport)))
    regions = sorted(set(regions or sport_regions(sport)))
    moments = [start + every * k for k in range(count)]
    done = set(
        BackfillSnapshot.objects.filter(
            sport_key=sport_key,
            markets=",".join(markets),
            regions=",".join(regions),
            requested_at__gte=start,
            requested_at__lte=last,
        ).values_list("requested_at", flat=True)
    )
    return BackfillPlan(
        sport_key=sport_key,
        markets=markets,
        regions=regions,
        moments=moments,
        done=done & set(moments),
        cost=historical_odds_cost(markets, regions),
        credits_left=credits_left(now),
        reserve=settings.ODDS_API_CREDIT_RESERVE,
    )


def describe(plan: BackfillPlan, every: str) -> list[str]:
    """What a backfill will fetch and may cost, in the lines the command prints before asking."""
    first, last = plan.moments[0], plan.moments[-1]
    lines = [
        f"{plan.sport_key} ({','.join(plan.markets)} × {','.join(plan.regions)}): {len(plan.moments)} moments "
        f"from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC, every {every}; "
        f"{len(plan.done)} done before, {len(plan.todo)} to fetch.",
        f"Cost: {plan.cost} credits a snapshot ({HISTORICAL_FACTOR} × {count(len(plan.markets), 'market')} × "
        f"{count(len(plan.regions), 'region')}), at most {plan.most_credits:,} credits "
        "(a moment the previous snapshot still covers is not fetched).",
    ]
    reserve = f"reserve {plan.reserve} (ODDS_API_CREDIT_RESERVE)"
    if plan.affordable is None:
        lines.append(f"Credits left: not known before the first response; it stops before spending into the {reserve}.")
    elif plan.affordable < len(plan.todo):
        lines.append(
            f"Credits left: {plan.credits_left:,}, {reserve}: enough for {count(plan.affordable, 'snapshot')}, "
            f"fewer than the {count(len(plan.todo), 'moment')} to fetch: it stops at the reserve, and the "
            "same command resumes later."
        )
    else:
        lines.append(f"Credits left: {plan.credits_left:,}, {reserve}: enough for all of them.")
    return lines


def count(number: int, noun: str) -> str:
    """``3 snapshots``, ``1 moment``."""
    return f"{number:,} {noun}{'s' if number != 1 else ''}"


@dataclass
class BackfillOutcome:
    fetched: int = 0  # calls answered and ingested
    covered: int = 0  # moments done by those calls' snapshots, the ones asked for included
    credits: int = 0  # their cost, as the API reported it (x-requests-last)
    prices: int = 0
    history_written: int = 0
    left: int = 0  # moments still to do
    stopped: str = ""  # why it stopped before the end
    runs: list[CollectorRun] = field(default_factory=list)


def run(
    plan: BackfillPlan, *, api: OddsApiClient | None = None, progress: Callable[[str], None] = lambda line: None
) -> BackfillOutcome:
    """Fetch and ingest the moments of ``plan`` not done yet, in order, one backfill of a sport at a
    time. It stops at the first call the budget refuses (the reserve) or the API fails; what was
    done is recorded with its prices, so running the same plan again resumes there."""
    outcome = BackfillOutcome()
    todo = plan.todo
    name, holder = f"backfill:{plan.sport_key}", uuid.uuid4().hex
    with sport_lock("backfill", plan.sport_key, holder=holder) as acquired:
        if not acquired:
            outcome.stopped, outcome.left = f"a backfill of {plan.sport_key} is already running", len(todo)
            return outcome
        end_lost_runs(kind="backfill", sport_key=plan.sport_key)
        index = 0
        while index < len(todo):
            # Each call renews the lease: a long backfill keeps it, a killed one frees it soon.
            store.take_lease(name=name, holder=holder, ttl=timedelta(seconds=settings.COLLECTION_LEASE_SECONDS))
            moment, covered = todo[index], list[datetime]()
            fetch = fetch_historical(
                sport_key=plan.sport_key,
                date=moment,
                markets=plan.markets,
                regions=plan.regions,
                api=api,
                on_ingested=partial(_record_done, plan, todo, index, covered),
            )
            outcome.runs.append(fetch.run)
            if fetch.snapshot is None or fetch.result is None:
                what = "before" if fetch.run.status == CollectorRun.SKIPPED else "at"
                outcome.stopped = f"stopped {what} {moment:%Y-%m-%d %H:%M}: {fetch.run.error.splitlines()[0]}"
                break
            index += len(covered)
            outcome.fetched += 1
            outcome.covered += len(covered)
            outcome.credits += fetch.run.credits_last or 0
            outcome.prices += fetch.result.prices_seen
            outcome.history_written += fetch.result.history_written
            progress(_progress(moment, fetch.snapshot, fetch.run, len(covered)))
        outcome.left = len(todo) - index
    return outcome


def _record_done(
    plan: BackfillPlan,
    todo: list[datetime],
    start: int,
    covered: list[datetime],
    snapshot: HistoricalSnapshot,
    call: CollectorRun,
    result: IngestResult,
) -> None:
    """Record the moments from ``todo[start]`` that ``snapshot`` covers as done (into ``covered``
    too), in its ingestion's transaction."""
    covered[:] = _covered(todo, start, snapshot)  # [:]: a transaction retried records them again
    BackfillSnapshot.objects.bulk_create(
        [
            BackfillSnapshot(
                sport_key=plan.sport_key,
                markets=",".join(plan.markets),
                regions=",".join(plan.regions),
                requested_at=moment,
                snapshot_at=snapshot.timestamp,
                run=call,
            )
            for moment in covered
        ],
        ignore_conflicts=True,  # done meanwhile under another range's step: done either way
    )


def _covered(todo: list[datetime], start: int, snapshot: HistoricalSnapshot) -> list[datetime]:
    """``todo[start]`` (the moment asked for) and the moments after it before the next snapshot: the
    API answers each of them with this same snapshot (the latest at or before the moment)."""
    end = start + 1
    while end < len(todo) and snapshot.next is not None and todo[end] < snapshot.next:
        end += 1
    return todo[start:end]


def _progress(moment: datetime, snapshot: HistoricalSnapshot, call: CollectorRun, covered: int) -> str:
    left = f", {call.credits_remaining:,} left" if call.credits_remaining is not None else ""
    more = f"; it covers {count(covered - 1, 'more moment')} before the next snapshot" if covered > 1 else ""
    return (
        f"{moment:%Y-%m-%d %H:%M}: snapshot of {snapshot.timestamp:%Y-%m-%d %H:%M:%S}, {call.events_seen} events, "
        f"{call.prices_seen} prices, {call.history_written} history rows, "
        f"{call.credits_last if call.credits_last is not None else '?'} credits{left}{more}."
    )
