"""When to spend credits: a collection schedule that tightens towards kick-off and paces the budget.

Pure logic (no Django), so a simulated week can be replayed in tests and in ``make bench``.
One ``/odds`` call prices every upcoming event of a sport, so the schedule is per sport and is
driven by its next kick-off:

  next kick-off more than 48 h away   every 24 h
  12 to 48 h                          every 12 h
  2 to 12 h                           every 6 h
  under 2 h                           every 2 h
  in the 15 minutes before a kick-off one snapshot, whatever the interval: the closing line

Prices of soft books move most in the last hours, and the closing snapshot is what CLV needs; a
flat 4-hourly poll spends more and still misses most closing lines (see the tests and ``make bench``).

Sports with no event in the next 7 days are not collected at all. The budget widens the interval
(never the closing snapshot) so that the credits left this month last until the reset on the 1st.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class SchedulePolicy:
    far: timedelta = 24 * HOUR
    day: timedelta = 12 * HOUR
    near: timedelta = 6 * HOUR
    close: timedelta = 2 * HOUR
    closing_window: timedelta = timedelta(minutes=15)
    horizon: timedelta = timedelta(days=7)

    def interval(self, lead: timedelta) -> timedelta:
        if lead <= 2 * HOUR:
            return self.close
        if lead <= 12 * HOUR:
            return self.near
        if lead <= 48 * HOUR:
            return self.day
        return self.far


@dataclass(frozen=True)
class Decision:
    due: bool
    reason: str
    closing: bool = False


def collection_due(
    *,
    now: datetime,
    kickoffs: Iterable[datetime],
    last_collection: datetime | None,
    policy: SchedulePolicy = SchedulePolicy(),
    budget_interval: timedelta = timedelta(0),
) -> Decision:
    upcoming = sorted(k for k in kickoffs if now < k <= now + policy.horizon)
    if not upcoming:
        return Decision(False, "no events in the next 7 days")
    for kickoff in upcoming:
        if kickoff - now > policy.closing_window:
            break
        if last_collection is None or last_collection < kickoff - policy.closing_window:
            return Decision(True, f"closing line of the {kickoff:%Y-%m-%d %H:%M} UTC kick-off", closing=True)
    lead = upcoming[0] - now
    interval = max(policy.interval(lead), budget_interval)
    if last_collection is None or now - last_collection >= interval:
        return Decision(True, f"every {_hours(interval)} with the next kick-off in {_hours(lead)}")
    return Decision(False, f"next in {_hours(interval - (now - last_collection))}")


def budget_interval(*, now: datetime, credits_left: int | None, reserve: int, cost: int, sports: int) -> timedelta:
    """The shortest interval per sport that makes the credits left last until the monthly reset."""
    if credits_left is None:
        return timedelta(0)
    spendable = credits_left - reserve
    if spendable < cost:
        return timedelta(days=365)
    calls = spendable // max(cost, 1)
    until_reset = month_reset(now) - now
    per_sport = calls / max(sports, 1)
    return until_reset / per_sport


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_reset(now: datetime) -> datetime:
    """Credits reset at 00:00 UTC on the first of each month."""
    return (month_start(now) + timedelta(days=32)).replace(day=1)


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes / 60:.1f} h"
