"""The schedule's decisions, replayed over a simulated week of fixtures."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from odds.schedule import SchedulePolicy, budget_interval, collection_due, month_reset

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


def epl_week() -> list[datetime]:
    """A Premier League weekend and a Monday game: ten matches in six kick-off slots."""
    saturday, sunday = MONDAY + timedelta(days=5), MONDAY + timedelta(days=6)
    return [
        saturday.replace(hour=12, minute=30),
        *[saturday.replace(hour=15)] * 5,
        saturday.replace(hour=17, minute=30),
        sunday.replace(hour=14),
        sunday.replace(hour=16, minute=30),
        MONDAY + timedelta(days=7, hours=20),
    ]


def replay(kickoffs, *, start=MONDAY, days=8, tick=timedelta(minutes=5), budget=timedelta(0)):
    """Run the planner every ``tick``: the collection times it chooses."""
    calls: list[datetime] = []
    now = start
    while now < start + timedelta(days=days):
        decision = collection_due(
            now=now, kickoffs=kickoffs, last_collection=calls[-1] if calls else None, budget_interval=budget
        )
        if decision.due:
            calls.append(now)
        now += tick
    return calls


def closing_captured(kickoffs, calls, window=timedelta(minutes=15)) -> float:
    captured = sum(any(k - window <= c < k for c in calls) for k in kickoffs)
    return captured / len(kickoffs)


def test_the_closing_line_of_every_event_is_captured():
    kickoffs = epl_week()
    calls = replay(kickoffs)
    assert closing_captured(kickoffs, calls) == 1.0


def test_it_spends_fewer_calls_than_polling_every_four_hours_and_beats_its_closing_lines():
    kickoffs = epl_week()
    calls = replay(kickoffs)
    every_4h = [MONDAY + timedelta(hours=4 * i) for i in range(8 * 6)]
    assert len(calls) < len(every_4h)
    assert closing_captured(kickoffs, every_4h) < 0.5


def test_between_closing_lines_calls_are_spaced_by_the_policy_interval_for_the_next_kick_off():
    kickoffs, policy = epl_week(), SchedulePolicy()
    calls = replay(kickoffs)
    slots = sorted(set(kickoffs))
    in_window = [c for c in calls if any(k - policy.closing_window <= c < k for k in slots)]
    assert len(in_window) == len(slots)  # one closing snapshot per kick-off slot, not one per match
    for before, after in pairwise(calls):
        if after in in_window:
            continue
        lead = min(k for k in kickoffs if k > after) - after
        assert after - before >= policy.interval(lead), (before, after)


def test_no_events_in_the_next_week_means_no_calls():
    far = [MONDAY + timedelta(days=20)]
    assert replay(far, days=7) == []
    decision = collection_due(now=MONDAY, kickoffs=far, last_collection=None)
    assert (decision.due, decision.reason) == (False, "no events in the next 7 days")


def test_the_interval_tightens_towards_kick_off():
    policy = SchedulePolicy()
    assert policy.interval(timedelta(days=3)) == timedelta(hours=24)
    assert policy.interval(timedelta(hours=30)) == timedelta(hours=12)
    assert policy.interval(timedelta(hours=5)) == timedelta(hours=6)
    assert policy.interval(timedelta(minutes=90)) == timedelta(hours=2)


def test_the_closing_snapshot_ignores_the_budget_interval():
    kickoff = MONDAY + timedelta(hours=10)
    decision = collection_due(
        now=kickoff - timedelta(minutes=10),
        kickoffs=[kickoff],
        last_collection=kickoff - timedelta(minutes=40),
        budget_interval=timedelta(days=2),
    )
    assert decision.due
    assert decision.closing
    assert decision.reason == "closing line of the 2026-11-02 10:00 UTC kick-off"


def test_the_budget_spreads_the_credits_left_until_the_reset():
    now = datetime(2026, 11, 21, tzinfo=UTC)  # ten days to the reset
    assert month_reset(now) == datetime(2026, 12, 1, tzinfo=UTC)
    # 125 credits, 25 in reserve, 5 per call, 2 sports: 20 calls, 10 per sport over 10 days: one a day.
    assert budget_interval(now=now, credits_left=125, reserve=25, cost=5, sports=2) == timedelta(days=1)
    assert budget_interval(now=now, credits_left=26, reserve=25, cost=5, sports=1) == timedelta(days=365)
    assert budget_interval(now=now, credits_left=None, reserve=25, cost=5, sports=1) == timedelta(0)


def test_a_tight_budget_still_catches_closing_lines_with_fewer_calls():
    kickoffs = epl_week()
    loose = replay(kickoffs)
    tight = replay(kickoffs, budget=timedelta(hours=12))
    assert len(tight) < len(loose)
    assert closing_captured(kickoffs, tight) == 1.0
