"""Saved backtests: ask for one, run it on a worker, run it again.

``start_backtest`` checks what is asked (the page's form, the API and ``manage.py backtest`` give the
same ``RunRequest``), writes the strategy's rules with this run's adjustments and the bookmakers'
accounts into the run, so that running it again (``rerun_backtest``) replays exactly the same, and
sends its task once committed.

``execute_backtest`` is the task's body. One worker runs a run at a time: it holds the lease
``backtest:<id>`` (``odds.store.take_lease``, as collections do), which its own task delivered again
takes back at once and which expires by itself when its worker was killed. The bets, figures and
``finished`` are written in one transaction at the end, so a run stopped half-way has written none
of them and is simply started again: never doubled, and a finished run is never run again.
``resume_backtests`` (beat) sends again the runs that lost their worker or never reached one.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from odds import store
from odds.models import MARKETS, Lease, Sport
from opportunities.backtest import (
    Account,
    BacktestReport,
    BacktestRules,
    Progress,
    read_history,
    replay,
    selected_events,
    stored_accounts,
)
from opportunities.backtest_figures import breakdowns, curve, summary
from opportunities.backtest_grid import Grid, GridError, run_grid
from opportunities.models import BacktestBet, BacktestRun, Strategy
from opportunities.pricing import METHODS
from opportunities.valuation import BEST, StrategyRules

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

LEAD, OPENING = "lead", "opening"
FLAT, KELLY = "flat", "kelly"
MAX_ATTEMPTS = 3  # a run whose workers all stopped this often before its end fails, saying so
QUEUE_GRACE = timedelta(minutes=10)  # a queued run not started by then is sent again
PROGRESS_SECONDS = 0.5  # the progress bar is written at most this often
ADJUSTABLE = ("min_edge", "method", "min_price", "max_price", "markets", "max_stake_share")


class BacktestRejected(ValidationError):
    """What was asked cannot be run; ``message_dict`` names each field and why. Nothing was written."""


@dataclass(frozen=True)
class RunRequest:
    """What a backtest is asked with. Every field but ``strategy`` (an id or a name) has the
    command's default; ``staking`` None is flat, or Kelly when the grid varies the Kelly fraction;
    ``kelly_fraction`` None under Kelly is the strategy's. ``rules`` adjusts the strategy's rules for
    this run (``ADJUSTABLE``); ``grid`` maps axes to the values tried (``backtest_grid.Grid``)."""

    strategy: int | str
    sport: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    bet_at: str = LEAD
    lead_hours: float = 24.0
    staking: str | None = None
    kelly_fraction: float | None = None
    bankroll: float = 1000.0
    flat_stake: float = 1.0
    rules: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] | None = None


def find_strategy(reference: int | str) -> Strategy | None:
    """A saved strategy by id (a number) or by name."""
    strategies = Strategy.objects.select_related("reference_bookmaker").prefetch_related("sports", "bookmakers")
    if isinstance(reference, int) or (isinstance(reference, str) and reference.isdigit()):
        found = strategies.filter(pk=int(reference)).first()
        if found is not None or isinstance(reference, int):
            return found
    return strategies.filter(name=reference).first()


def start_backtest(*, request: RunRequest, user: User | None) -> BacktestRun:
    """Check ``request``, save the run (queued) with the rules it replays, and send its task on commit."""
    errors: dict[str, list[str]] = {}

    def reject(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    strategy = find_strategy(request.strategy)
    if strategy is None:
        reject("strategy", f"no saved strategy with the id or name {str(request.strategy)[:80]!r}")
    if request.sport and not Sport.objects.filter(key=request.sport).exists():
        reject("sport", f"no sport {request.sport[:80]!r} (a key such as soccer_epl)")
    if request.date_from and request.date_to and request.date_from > request.date_to:
        reject("date_to", f"{request.date_to} is before date_from {request.date_from}")
    if request.bet_at not in (LEAD, OPENING):
        reject("bet_at", f"{request.bet_at!r}: use {LEAD} (lead_hours before kick-off) or {OPENING}")
    if not 0 <= request.lead_hours <= settings.ODDS_HISTORY_LEAD_DAYS * 24:
        reject("lead_hours", f"{request.lead_hours:g}: from 0 to {settings.ODDS_HISTORY_LEAD_DAYS * 24} hours")
    grid = None
    if request.grid:
        try:
            grid = Grid.from_axes(request.grid)
        except GridError as exc:
            reject("grid", str(exc))
    staking = request.staking or (KELLY if grid is not None and grid.kelly_fraction else FLAT)
    if staking not in (FLAT, KELLY):
        reject("staking", f"{staking!r}: use {FLAT} or {KELLY}")
    elif staking == FLAT and request.kelly_fraction is not None:
        reject("kelly_fraction", "a Kelly fraction applies to Kelly staking: set staking to kelly")
    elif staking == FLAT and grid is not None and grid.kelly_fraction:
        reject("grid", "a grid over kelly_fraction stakes by Kelly: set staking to kelly")
    if request.kelly_fraction is not None and not 0 < request.kelly_fraction <= 1:
        reject("kelly_fraction", f"{request.kelly_fraction:g}: above 0, at most 1 (0.25 for quarter Kelly)")
    if not request.bankroll > 0:
        reject("bankroll", f"{request.bankroll:g}: the starting bankroll must be above 0")
    if not request.flat_stake > 0:
        reject("flat_stake", f"{request.flat_stake:g}: a flat stake must be above 0")
    rules = None
    if strategy is not None:
        try:
            rules = adjusted(StrategyRules.from_strategy(strategy), request.rules)
        except BacktestRejected as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if errors or strategy is None or rules is None:
        raise BacktestRejected(errors)
    kelly = None
    if staking == KELLY:
        kelly = request.kelly_fraction if request.kelly_fraction is not None else rules.kelly_fraction
    parameters = {
        "strategy": strategy.pk,
        "sport": request.sport or None,
        "date_from": request.date_from.isoformat() if request.date_from else None,
        "date_to": request.date_to.isoformat() if request.date_to else None,
        "bet_at": request.bet_at,
        "lead_hours": request.lead_hours,
        "staking": staking,
        "kelly_fraction": kelly,
        "bankroll": request.bankroll,
        "flat_stake": request.flat_stake,
        "rules": {name: _shown(value) for name, value in request.rules.items()},
        "grid": grid.as_json() if grid is not None else None,
    }
    return _queue(
        strategy=strategy,
        name=strategy.name,
        parameters=parameters,
        rules={"strategy": rules_json(rules), "accounts": accounts_json(stored_accounts())},
        user=user,
    )


def rerun_backtest(*, run_id: int, user: User | None) -> BacktestRun:
    """A new run of a saved run's parameters and rules, as they were: the same figures on the same history."""
    run = BacktestRun.objects.get(pk=run_id)
    return _queue(strategy=run.strategy, name=run.strategy_name, parameters=run.parameters, rules=run.rules, user=user)


def _queue(
    *, strategy: Strategy | None, name: str, parameters: dict[str, Any], rules: dict[str, Any], user: User | None
) -> BacktestRun:
    with transaction.atomic():
        run = BacktestRun.objects.create(
            strategy=strategy, strategy_name=name, parameters=parameters, rules=rules, created_by=user
        )
        pk = run.pk
        transaction.on_commit(lambda: send_backtest(pk))
    return run


def send_backtest(run_id: int) -> None:
    """Send a run's task. With the broker down the run stays queued, and ``resume_backtests`` sends it."""
    from kombu.exceptions import OperationalError as BrokerUnavailable

    from monps.celery import app

    try:
        app.send_task("opportunities.tasks.run_backtest", kwargs={"run_id": run_id})
    except BrokerUnavailable as exc:
        logger.warning("backtest %s not sent (broker unavailable: %s); resume-backtests will send it", run_id, exc)


def _shown(value: Any) -> Any:
    """An adjustment as JSON keeps it: lists and numbers as given, Decimals as numbers."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value)
    return value


def adjusted(rules: StrategyRules, changes: Mapping[str, Any]) -> StrategyRules:
    """The strategy's rules with this run's changes (``ADJUSTABLE``), each checked."""
    from stats.models import Calibration

    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None or value == "":
            continue
        if name not in ADJUSTABLE:
            errors[name] = [f"cannot be adjusted for a run; these can: {', '.join(ADJUSTABLE)}"]
            continue
        try:
            values[name] = _checked(name, value)
        except ValueError as exc:
            errors[name] = [str(exc)]
    if "method" in values:
        values["method"] = str(values["method"])
    low, high = values.get("min_price", rules.min_price), values.get("max_price", rules.max_price)
    if not errors and high <= low:
        errors["max_price"] = [f"{high:g} is not above the minimum price {low:g}"]
    if errors:
        raise BacktestRejected(errors)
    found = dataclasses.replace(rules, **values)
    if found.method == BEST and not found.best_methods:
        found = dataclasses.replace(found, best_methods=Calibration.objects.best_methods(reference=found.reference))
    return found


def _checked(name: str, value: Any) -> Any:
    if name == "method":
        if value not in (*METHODS, BEST):
            raise ValueError(f"{str(value)[:40]!r}: use one of {', '.join((*METHODS, BEST))}")
        return value
    if name == "markets":
        keys = [m.strip() for m in value.split(",")] if isinstance(value, str) else [str(m) for m in value]
        known = dict(MARKETS)
        unknown = [m for m in keys if m not in known]
        if unknown or not keys:
            raise ValueError(f"use h2h, spreads and/or totals (not {', '.join(unknown)[:80] or 'nothing'})")
        return frozenset(keys)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{str(value)[:40]!r} is not a number") from None
    ranges = {"min_edge": (-1.0, 1.0), "min_price": (1.001, 1000.0), "max_price": (1.001, 10000.0)}
    low, high = ranges.get(name, (0.0, 1.0))
    if not low <= number <= high:
        raise ValueError(f"{number:g}: from {low:g} to {high:g}")
    return number


def rules_json(rules: StrategyRules) -> dict[str, Any]:
    """A strategy's rules as JSON keeps them (``rules_from_json`` reads them back equal)."""
    return {
        "method": rules.method,
        "reference": rules.reference,
        "reference_name": rules.reference_name,
        "min_books": rules.min_books,
        "min_edge": rules.min_edge,
        "min_price": rules.min_price,
        "max_price": rules.max_price,
        "markets": sorted(rules.markets),
        "sports": sorted(rules.sports),
        "bookmakers": sorted(rules.bookmakers),
        "kelly_fraction": rules.kelly_fraction,
        "max_stake_share": rules.max_stake_share,
        "min_minutes_before_kickoff": rules.min_minutes_before_kickoff,
        "max_price_age_minutes": rules.max_price_age_minutes,
        "name": rules.name,
        "best_methods": [[sport, market, *found] for (sport, market), found in sorted(rules.best_methods.items())],
    }


def rules_from_json(saved: Mapping[str, Any]) -> StrategyRules:
    values = dict(saved)
    values["markets"] = frozenset(values["markets"])
    values["sports"] = frozenset(values["sports"])
    values["bookmakers"] = frozenset(values["bookmakers"])
    values["best_methods"] = {(sport, market): (method, note) for sport, market, method, note in values["best_methods"]}
    return StrategyRules(**values)


def accounts_json(accounts: Mapping[int, Account]) -> dict[str, list[Any]]:
    return {
        str(pk): [str(a.commission), _text(a.stake_rounding), _text(a.max_stake), a.active]
        for pk, a in sorted(accounts.items())
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def accounts_from_json(saved: Mapping[str, Sequence[Any]]) -> dict[int, Account]:
    return {
        int(pk): Account(
            Decimal(commission),
            None if rounding is None else Decimal(rounding),
            None if limit is None else Decimal(limit),
            bool(active),
        )
        for pk, (commission, rounding, limit, active) in saved.items()
    }


@dataclass(frozen=True)
class Replay:
    """A saved run's parameters read back as the engine takes them."""

    rules: BacktestRules
    strategy: StrategyRules
    grid: Grid | None
    sport: str | None
    start: datetime | None
    end: datetime | None


def replay_of(run: BacktestRun) -> Replay:
    p = run.parameters
    strategy = rules_from_json(run.rules["strategy"])
    kelly = p["kelly_fraction"]
    if kelly is not None:
        strategy = dataclasses.replace(strategy, kelly_fraction=kelly)
    rules = BacktestRules(
        strategy=strategy,
        lead=timedelta(hours=p["lead_hours"]),
        at_opening=p["bet_at"] == OPENING,
        kelly_fraction=kelly,
        bankroll=p["bankroll"],
        flat_stake=p["flat_stake"],
        accounts=accounts_from_json(run.rules["accounts"]),
    )
    day_from, day_to = p["date_from"], p["date_to"]
    return Replay(
        rules=rules,
        strategy=strategy,
        grid=Grid.from_axes(p["grid"]) if p["grid"] else None,
        sport=p["sport"],
        start=datetime.combine(date.fromisoformat(day_from), clock.min, UTC) if day_from else None,
        end=datetime.combine(date.fromisoformat(day_to), clock.max, UTC) if day_to else None,
    )


def lease_seconds() -> int:
    """As long as a task may run: a worker alive cannot lose it, a killed one frees it by itself."""
    return int(settings.CELERY_TASK_TIME_LIMIT) + 60


class _Ticker:
    """Writes a run's progress (the page polls it), at most every ``PROGRESS_SECONDS``."""

    def __init__(self, run_id: int, low: float, high: float) -> None:
        self.run_id, self.low, self.high = run_id, low, high
        self.written = 0.0

    def __call__(self, share: float) -> None:
        now = time.monotonic()
        if now - self.written < PROGRESS_SECONDS and share < 1:
            return
        self.written = now
        at = self.low + (self.high - self.low) * min(max(share, 0.0), 1.0)
        BacktestRun.objects.filter(pk=self.run_id, status=BacktestRun.RUNNING).update(progress=at)


def execute_backtest(*, run_id: int, holder: str | None = None) -> BacktestRun | None:
    """Run a saved run (the task's body; ``holder``: its task id), or nothing when it is done, gone,
    or running on another worker. A failure ends the run as failed with the reason."""
    from celery.exceptions import SoftTimeLimitExceeded

    holder = holder or uuid.uuid4().hex

    run = BacktestRun.objects.filter(pk=run_id).first()
    if run is None or run.done:
        return run
    name = f"backtest:{run_id}"
    if not store.take_lease(name=name, holder=holder, ttl=timedelta(seconds=lease_seconds())):
        return run
    try:
        if BacktestRun.objects.filter(pk=run_id, status__in=[BacktestRun.FINISHED, BacktestRun.FAILED]).exists():
            run.refresh_from_db()  # finished by the lease's previous holder meanwhile
            return run
        BacktestRun.objects.filter(pk=run_id).update(
            status=BacktestRun.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, progress=0.0, error=""
        )
        run.refresh_from_db()
        if run.attempts > MAX_ATTEMPTS:
            return _fail(run, f"its worker stopped {MAX_ATTEMPTS} times before the end (killed, or out of memory)")
        try:
            return _run(run)
        except SoftTimeLimitExceeded:
            limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
            return _fail(run, f"took longer than {limit} s: narrow the dates, the markets or the grid")
        except Exception as exc:
            _fail(run, f"{type(exc).__name__}: {exc}")
            raise
    finally:
        Lease.objects.filter(name=name, holder=holder).delete()


def _run(run: BacktestRun) -> BacktestRun:
    asked = replay_of(run)
    _Ticker(run.pk, 0, 1)(0.02)
    events = selected_events(sport=asked.sport, start=asked.start, end=asked.end)
    history = read_history(events=events, strategy=asked.strategy)
    ticker: Progress = _Ticker(run.pk, 0.2, 0.95)
    grid_json = None
    if asked.grid is not None:
        found = run_grid(history, asked.rules, asked.grid, strategy=asked.strategy, progress=ticker)
        if found.best is not None:
            best = found.cells[found.best]
            report = best.report
        else:
            report = BacktestReport(events=len(history.events), bankroll=asked.rules.bankroll)
        grid_json = {
            "axes": asked.grid.as_json(),
            "tried": found.tried,
            "best": found.best,
            "cells": [cell.as_json() for cell in found.cells],
        }
    else:
        report = replay(history, asked.rules, strategy=asked.strategy, progress=ticker)
    return _save(run, report, grid_json)


def _save(run: BacktestRun, report: BacktestReport, grid: dict[str, Any] | None) -> BacktestRun:
    """The bets and figures, and ``finished``, in one transaction: all of them or none."""
    with transaction.atomic():
        locked = BacktestRun.objects.select_for_update().get(pk=run.pk)
        if locked.done:
            return locked
        BacktestBet.objects.filter(run_id=run.pk).delete()
        BacktestBet.objects.bulk_create(bet_rows(run.pk, report), batch_size=2000)
        locked.status, locked.progress, locked.finished_at = BacktestRun.FINISHED, 1.0, timezone.now()
        locked.summary, locked.curve, locked.breakdowns, locked.grid = (
            summary(report),
            curve(report),
            breakdowns(report),
            grid,
        )
        locked.save(update_fields=["status", "progress", "finished_at", "summary", "curve", "breakdowns", "grid"])
    return locked


def bet_rows(run_id: int, report: BacktestReport) -> list[BacktestBet]:
    def fixed(value: float, places: int) -> Decimal:
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places))

    rows = []
    for index, bet in enumerate(report.bets):
        assert bet.placed_at is not None  # every bet the engine settles has its moment
        rows.append(
            BacktestBet(
                run_id=run_id,
                sequence=index,
                event_id=bet.event_id,
                placed_at=bet.placed_at,
                market=bet.market,
                outcome=bet.outcome,
                point=bet.point,
                bookmaker_id=bet.bookmaker_id,
                price=fixed(bet.price, 3),
                net_price=fixed(bet.net_price, 7),
                fair_probability=fixed(bet.fair_probability, 8),
                edge=fixed(bet.edge, 6),
                stake=fixed(bet.stake, 2),
                status=bet.status,
                profit=fixed(bet.profit, 2),
                clv=None if bet.clv is None else fixed(bet.clv, 6),
            )
        )
    return rows


def _fail(run: BacktestRun, reason: str) -> BacktestRun:
    BacktestRun.objects.filter(pk=run.pk).update(status=BacktestRun.FAILED, error=reason, finished_at=timezone.now())
    run.refresh_from_db()
    logger.warning("backtest %s failed: %s", run.pk, reason)
    return run


def resume_backtests(*, now: datetime | None = None) -> list[int]:
    """Send again the runs that lost their worker (running, their lease expired or gone) and those
    queued longer than ``QUEUE_GRACE`` that no worker holds: the lease keeps a run sent twice single."""
    now = now or timezone.now()
    held = set(Lease.objects.filter(name__startswith="backtest:", expires_at__gte=now).values_list("name", flat=True))
    stale = BacktestRun.objects.filter(
        Q(status=BacktestRun.RUNNING) | Q(status=BacktestRun.QUEUED, queued_at__lt=now - QUEUE_GRACE)
    ).values_list("pk", flat=True)
    sent = [pk for pk in stale if f"backtest:{pk}" not in held]
    if sent:
        BacktestRun.objects.filter(pk__in=sent).update(status=BacktestRun.QUEUED, queued_at=now)
        for pk in sent:
            send_backtest(pk)
    return sent
