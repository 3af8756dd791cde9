from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bets.settlement import outcome_status, profit
from devtools.testing import history_bounds, history_queries
from odds.ingest import ingest_snapshot
from odds.models import Bookmaker, Event
from odds.providers.football_data import parse_file
from odds.tests.conftest import DATA
from opportunities.backtest import BacktestRules, run_backtest
from opportunities.pricing import METHODS, clv, devig
from opportunities.tests.factories import NOW, StrategyFactory, h2h_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def season():
    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)


def test_every_bet_follows_the_rules_and_the_result(season):
    report = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    assert report.events == 3
    assert len(report.bets) == 9  # every outcome of every match, at its best book
    burnley = Event.objects.get(home_team="Burnley")
    bet = next(b for b in report.bets if b.outcome == "Man City")
    # Pinnacle's opening 1X2 (PSH/PSD/PSA 8.58/5.51/1.37) is in force 24 h before kick-off.
    fair = dict(zip(["Burnley", "Draw", "Man City"], devig([8.58, 5.51, 1.37], "shin"), strict=True))
    assert bet.fair_probability == pytest.approx(fair["Man City"])
    assert (
        bet.status
        == outcome_status(
            market="h2h",
            outcome="Man City",
            point=None,
            home_team="Burnley",
            away_team="Man City",
            home_score=burnley.home_score,
            away_score=burnley.away_score,
        )
        == "won"
    )
    assert bet.profit == float(profit("won", price=Decimal(repr(bet.price)), stake=Decimal("1")))
    closing = dict(zip(["Burnley", "Draw", "Man City"], devig([9.62, 5.81, 1.33], "shin"), strict=True))
    assert bet.clv == pytest.approx(clv(bet.price, closing["Man City"]))
    # Pinnacle's closing prices are stamped at kick-off: a valid close under every method.
    assert bet.clv_by_method == {
        m: pytest.approx(clv(bet.price, devig([9.62, 5.81, 1.33], m)[2]), abs=1e-12) for m in METHODS
    }
    assert report.clv_bets == len(report.bets)
    assert report.profit == pytest.approx(sum(b.profit for b in report.bets))


def test_the_minimum_edge_filters_and_nothing_is_written(season):
    from bets.models import Bet

    everything = run_backtest(rules=BacktestRules(min_edge=-1.0), events=Event.objects.all())
    value = run_backtest(rules=BacktestRules(min_edge=0.02), events=Event.objects.all())
    assert all(b.edge >= 0.02 for b in value.bets)
    assert len(value.bets) == sum(b.edge >= 0.02 for b in everything.bets)
    assert Bet.objects.count() == 0


def test_the_command_reports(season, capsys):
    call_command("backtest", "--min-edge", "-1", "--markets", "h2h", "--lead-hours", "30")
    out = capsys.readouterr().out
    assert "events with a result: 3" in out
    assert "bets: 9" in out
    assert "average CLV:" in out
    assert "max drawdown:" in out


def test_kelly_stakes_follow_the_bankroll(season):
    report = run_backtest(
        rules=BacktestRules(min_edge=-1.0, kelly_fraction=0.25, markets=("h2h",), lead=timedelta(hours=30)),
        events=Event.objects.all(),
    )
    assert all(b.stake > 0 for b in report.bets)
    assert all(b.edge > 0 for b in report.bets)  # Kelly stakes nothing without an edge


def test_the_history_read_runs_from_the_first_window_to_the_last_kick_off(season):
    first, *_, last = Event.objects.order_by("commence_time")
    with CaptureQueriesContext(connection) as queries:
        report = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    [sql] = history_queries(queries.captured_queries)
    assert history_bounds(sql) == {">=": [first.commence_time - timedelta(days=120)], "<=": [last.commence_time]}
    assert len(report.bets) == 9


def test_each_event_is_replayed_from_its_own_window(settings):
    settings.ODDS_HISTORY_LEAD_DAYS = 3
    early, late = NOW + timedelta(days=1), NOW + timedelta(days=11)
    books = {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "bet365": {"H": 2.10, "D": 3.40, "A": 3.80}}
    h2h_event("early", books, kickoff=early, observed_at=early - timedelta(days=2))
    # Five days before its kick-off: inside the range read for both events, outside this event's window.
    h2h_event("late", books, kickoff=late, observed_at=late - timedelta(days=5))
    Event.objects.update(completed=True, home_score=1, away_score=0)
    report = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    assert report.events == 2
    assert {(b.kickoff, b.outcome, b.bookmaker, b.price) for b in report.bets} == {
        (early, "Home", "bet365", 2.1),
        (early, "Draw", "bet365", 3.4),
        (early, "Away", "bet365", 3.8),
    }


def test_a_saved_strategy_is_replayed_by_its_own_rules(season, capsys):
    strategy = StrategyFactory(
        name="Replayed",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="shin",
        min_edge=Decimal("-1"),
        min_price=Decimal("1.010"),
        max_price=Decimal("1000.000"),
        markets="h2h",
        bookmakers=Bookmaker.objects.filter(key="bet365"),
    )
    replayed = run_backtest(rules=BacktestRules.for_strategy(strategy), events=Event.objects.all())
    assert {b.bookmaker for b in replayed.bets} == {"bet365"}  # the only book it bets at
    assert len(replayed.bets) == 9
    given = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    fair = {(b.event, b.outcome): b.fair_probability for b in given.bets}
    assert {(b.event, b.outcome): b.fair_probability for b in replayed.bets} == fair
    call_command("backtest", "--strategy", "Replayed")
    assert "bets: 9" in capsys.readouterr().out


def test_the_command_names_what_it_cannot_find(season):
    with pytest.raises(CommandError, match="no strategy named 'Nobody'"):
        call_command("backtest", "--strategy", "Nobody")
    with pytest.raises(CommandError, match="no bookmaker 'nobody' to take the fair price from"):
        call_command("backtest", "--reference", "nobody")


def test_the_backtest_gives_its_verdict(season, capsys):
    import math
    import statistics

    from stats import formulas
    from stats.verdict import verdict_sentence

    report = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    clvs = [b.clv for b in report.bets if b.clv is not None]
    assert len(clvs) == 9
    verdict = report.verdict
    mean, sd = statistics.fmean(clvs), statistics.stdev(clvs)
    assert verdict.clv.mean == pytest.approx(mean, rel=1e-12)
    assert verdict.clv.t == pytest.approx(mean / (sd / 3), rel=1e-12)
    assert verdict.clv.bets_needed == (max(0, math.ceil((1.645 * sd / mean) ** 2) - 9) if mean > 0 else None)
    assert verdict.yield_ci95 == formulas.yield_interval([(b.stake, b.profit) for b in report.bets])
    call_command("backtest", "--min-edge", "-1", "--markets", "h2h")
    out = capsys.readouterr().out
    low, high = verdict.clv.ci95
    assert (
        f"CLV t = {verdict.clv.t:.2f}, p = {verdict.clv.p_value:.4f} (one-sided) over 9 bets with a CLV, "
        f"95% interval {low:+.2%} to {high:+.2%}"
    ) in out
    low, high = verdict.yield_ci95
    assert f"yield 95% interval: {low:+.2%} to {high:+.2%} (bootstrap, 1,000 resamples, seeded)" in out
    assert f"verdict: {verdict_sentence(verdict.clv, subject='The average CLV')}" in out


def test_a_backtest_bet_has_no_clv_where_the_reference_moved_the_line_or_was_last_seen_long_before():
    from odds.providers.football_data import parse_csv

    # football-data.co.uk's layout: the row of odds/tests/data/E0_2324_head.csv line 4 (Bournemouth v
    # West Ham) with a result, Pinnacle's opening 1X2 but no closing one, and the Asian handicap
    # opened at -0.5 (AHh) and closed at -0.75 (AHCh). Opening prices are stored 2 days before kick-off.
    text = (
        "Div,Date,Time,HomeTeam,AwayTeam,FTHG,FTAG,B365H,B365D,B365A,PSH,PSD,PSA,B365CH,B365CD,B365CA,"
        "AHh,B365AHH,B365AHA,PAHH,PAHA,AHCh,B365CAHH,B365CAHA,PCAHH,PCAHA\n"
        "E0,12/08/2023,15:00,Bournemouth,West Ham,1,1,2.75,3.40,2.70,2.70,3.47,2.71,2.80,3.50,2.60,"
        "-0.5,1.95,1.95,1.93,1.97,-0.75,2.05,1.85,2.04,1.86\n"
    )
    ingest_snapshot(snapshot=parse_csv(text).snapshot)
    report = run_backtest(rules=BacktestRules(min_edge=-1.0), events=Event.objects.all())
    # Decided 24 h before kick-off, on the opening prices: each outcome of the 1X2 and of the -0.5 line.
    assert {(b.market, b.outcome, b.point) for b in report.bets} == {
        ("h2h", "Bournemouth", Decimal("0.00")),
        ("h2h", "Draw", Decimal("0.00")),
        ("h2h", "West Ham", Decimal("0.00")),
        ("spreads", "Bournemouth", Decimal("-0.50")),
        ("spreads", "West Ham", Decimal("0.50")),
    }
    assert [(b.clv, b.clv_by_method) for b in report.bets] == [(None, {})] * 5
    assert (report.clv_bets, report.average_clv) == (0, None)


def test_the_backtest_close_counts_a_reference_seen_unchanged_just_before_kick_off(settings):
    from opportunities.tests.factories import seen_again

    kickoff = NOW + timedelta(days=1)
    books = {"pinnacle": {"H": 2.00, "D": 3.60, "A": 4.00}, "bet365": {"H": 2.10, "D": 3.40, "A": 3.80}}
    event = h2h_event("seen", books, kickoff=kickoff, observed_at=kickoff - timedelta(days=3))
    Event.objects.update(completed=True, home_score=1, away_score=0)
    stale = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    assert [b.clv for b in stale.bets] == [None] * 3
    seen_again(event, kickoff - timedelta(minutes=10))
    fresh = run_backtest(rules=BacktestRules(min_edge=-1.0, markets=("h2h",)), events=Event.objects.all())
    closing = dict(zip(["Away", "Draw", "Home"], devig([4.00, 3.60, 2.00], "shin"), strict=True))
    assert {b.outcome: b.clv for b in fresh.bets} == {
        b.outcome: pytest.approx(clv(b.price, closing[b.outcome]), abs=1e-12) for b in fresh.bets
    }
