"""Devig methods scored on results: the events counted, every score against a plain-Python computation
from its definition, the bootstrap, and ``manage.py calibrate`` on the football-data test files."""

import io
import math
import random
from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from odds.models import Bookmaker, Sport
from odds.tests.conftest import DATA
from opportunities.pricing import METHODS, devig
from stats.calibration import Scope, calibrate_scope, record_calibrations
from stats.models import CLOSING, OPENING, Calibration
from stats.tests.conftest import CLOSED, h2h, result, snapshot

pytestmark = pytest.mark.django_db


def scope(at: str, market: str = "h2h") -> Scope:
    return Scope(Sport.objects.get(key="soccer_epl").pk, market, Bookmaker.objects.get(key="pinnacle").pk, at)


def plain_scores(events: Sequence[tuple[tuple[float, ...], int]], method: str) -> tuple[float, float, float | None]:
    """Log loss, Brier and (three-way) RPS from their definitions, over (prices, index that happened)."""
    losses, briers, rpss = [], [], []
    for prices, happened in events:
        p = devig(prices, method)
        o = [1.0 if i == happened else 0.0 for i in range(len(p))]
        losses.append(-math.log(p[happened]))
        briers.append(sum((p[i] - o[i]) ** 2 for i in range(len(p))))
        if len(p) == 3:
            rpss.append(0.5 * ((p[0] - o[0]) ** 2 + (p[0] + p[1] - o[0] - o[1]) ** 2))
    n = len(events)
    return sum(losses) / n, sum(briers) / n, (sum(rpss) / n if rpss else None)


def test_closing_scores_match_the_definitions(season):
    (scored,) = calibrate_scope(scope(CLOSING), resamples=200, seed=1)
    assert (scored.market, scored.point, scored.events) == ("h2h", Decimal("0.00"), 3)
    by_method = {r.method: r for r in scored.results}
    assert list(by_method) == list(METHODS)
    # Multiplicative by hand: p = (0.5, 0.25, 0.25) home won; (0.6, 0.2, 0.2) draw; (0.25, 0.25, 0.5) home won.
    multiplicative = by_method["multiplicative"]
    assert multiplicative.n == 3
    assert multiplicative.log_loss == pytest.approx((math.log(2) + math.log(5) + math.log(4)) / 3, rel=1e-12)
    assert multiplicative.brier == pytest.approx((0.375 + 1.04 + 0.875) / 3, rel=1e-12)
    assert multiplicative.rps == pytest.approx((0.15625 + 0.2 + 0.40625) / 3, rel=1e-12)
    closing = [((1.9, 3.8, 3.8), 0), ((1.6, 4.8, 4.8), 1), ((3.8, 3.8, 1.9), 0)]
    for method in METHODS:
        expected = plain_scores(closing, method)
        got = by_method[method]
        assert (got.log_loss, got.brier, got.rps) == pytest.approx(expected, rel=1e-12), method
    assert scored.best == min(METHODS, key=lambda m: plain_scores(closing, m)[0])
    assert scored.left_out == ""  # e4 has no result, e5 no complete pinnacle line: not events here


def test_opening_is_the_first_observation(season):
    (scored,) = calibrate_scope(scope(OPENING), resamples=50, seed=1)
    # e1 opened at 2.0, 3.4, 3.9; e2 and e3 were observed once, before kick-off.
    opening = [((2.0, 3.4, 3.9), 0), ((1.6, 4.8, 4.8), 1), ((3.8, 3.8, 1.9), 0)]
    for r in scored.results:
        assert (r.log_loss, r.brier, r.rps) == pytest.approx(plain_scores(opening, r.method), rel=1e-12)


def test_two_way_lines_have_no_rps_and_lines_that_can_push_are_not_scored(season):
    scored = calibrate_scope(scope(CLOSING, "totals"), resamples=50, seed=1)
    assert [(s.point, s.events) for s in scored] == [(Decimal("2.50"), 2)]
    # e1 had 3 goals (Over at 1.9 / 1.9), e2 had 2 (Under at 2.4 / 1.6 -> p 0.4, 0.6).
    totals = [((1.9, 1.9), 0), ((2.4, 1.6), 1)]
    for r in scored[0].results:
        assert (r.rps, r.ci95["rps"]) == (None, None)
        assert (r.log_loss, r.brier) == pytest.approx(plain_scores(totals, r.method)[:2], rel=1e-12)
    multiplicative = scored[0].results[0]
    assert multiplicative.log_loss == pytest.approx((math.log(2) - math.log(0.6)) / 2, rel=1e-12)


def test_a_draw_on_a_two_way_line_is_left_out_and_said():
    snapshot("t1", "Home", "Away", CLOSED, {"pinnacle": {"Home": 1.8, "Away": 2.0}})
    result("t1", "Home", "Away", (2, 2))
    snapshot("t2", "Home2", "Away2", CLOSED, {"pinnacle": {"Home2": 1.8, "Away2": 2.0}})
    result("t2", "Home2", "Away2", (3, 2))
    (scored,) = calibrate_scope(scope(CLOSING), resamples=10, seed=0)
    assert scored.events == 1
    assert scored.left_out == "1 event: no outcome of the line won"
    assert scored.results[0].log_loss == pytest.approx(-math.log((1 / 1.8) / (1 / 1.8 + 1 / 2.0)), rel=1e-12)


def test_bootstrap_intervals_are_reproducible_by_their_seed_and_hold_the_estimate():
    rng = random.Random(5)  # twelve events with varied prices and results
    for i in range(12):
        home, away = f"H{i}", f"A{i}"
        prices = (rng.choice([1.5, 1.9, 2.4, 3.1]), rng.choice([3.3, 3.6, 4.2]), rng.choice([2.2, 3.0, 5.5]))
        snapshot(f"b{i}", home, away, CLOSED, h2h(home, away, "pinnacle", prices))
        result(f"b{i}", home, away, rng.choice([(1, 0), (1, 1), (0, 2)]))
    first = calibrate_scope(scope(CLOSING), resamples=300, seed=11)[0]
    again = calibrate_scope(scope(CLOSING), resamples=300, seed=11)[0]
    other = calibrate_scope(scope(CLOSING), resamples=300, seed=12)[0]
    assert first.events == 12
    assert [r.ci95 for r in again.results] == [r.ci95 for r in first.results]
    assert (again.best, again.best_share) == (first.best, first.best_share)
    assert [r.ci95 for r in other.results] != [r.ci95 for r in first.results]
    for r in first.results:
        for name in ("log_loss", "brier", "rps"):
            low, high = r.ci95[name]
            assert low < getattr(r, name) < high, (r.method, name)
    assert 0 < first.best_share <= 1


def test_three_events_give_intervals_within_their_own_scores(season):
    # A resample's mean is a mean of three of the events' scores (repeats allowed): it cannot leave
    # the range of the per-event log losses, ln 2 (e1), ln 5 (e2), ln 4 (e3) for the multiplicative method.
    multiplicative = calibrate_scope(scope(CLOSING), resamples=300, seed=11)[0].results[0]
    low, high = multiplicative.ci95["log_loss"]
    assert math.log(2) - 1e-12 <= low <= multiplicative.log_loss <= high <= math.log(5) + 1e-12


def test_recording_replaces_the_scopes_calibrations(season):
    chosen = scope(CLOSING)
    scored = calibrate_scope(chosen, resamples=20, seed=0)
    record_calibrations(scope=chosen, scored=scored, resamples=20, seed=0)
    record_calibrations(scope=chosen, scored=scored, resamples=20, seed=0)
    stored = Calibration.objects.get()
    assert (stored.events, stored.best, stored.resamples, stored.at) == (3, scored[0].best, 20, CLOSING)
    assert stored.results[0]["log_loss"] == scored[0].results[0].log_loss  # full precision, through JSON
    assert sum(b["forecasts"] for b in stored.reliability["shin"]) == 9  # three outcomes of three events


# Pinnacle's closing 1X2 prices and the results of the rows of the test files (odds/tests/data/SOURCES.md):
# E0_2324_head.csv PSCH, PSCD, PSCA and FTHG-FTAG; NOR_head.csv PH, PD, PA (closing prices) and HG-AG.
EPL_CLOSING = [((9.62, 5.81, 1.33), 2), ((1.19, 8.0, 16.0), 0), ((2.75, 3.6, 2.63), 1)]
EPL_OPENING = [((8.58, 5.51, 1.37), 2), ((1.18, 7.86, 15.67), 0), ((2.7, 3.47, 2.71), 1)]
NOR_CLOSING = [((1.76, 3.87, 5.18), 0), ((2.58, 3.5, 2.88), 1), ((1.62, 3.99, 6.4), 2)]


def test_calibrate_on_the_football_data_files_reports_every_method_per_league():
    call_command(
        "import_football_data", str(DATA / "E0_2324_head.csv"), str(DATA / "NOR_head.csv"), stdout=io.StringIO()
    )
    out = io.StringIO()
    call_command("calibrate", resamples=100, seed=3, stdout=out)
    report = out.getvalue()
    for sport, at, rows in [
        ("soccer_epl", CLOSING, EPL_CLOSING),
        ("soccer_epl", OPENING, EPL_OPENING),
        ("soccer_norway_eliteserien", CLOSING, NOR_CLOSING),
        ("soccer_norway_eliteserien", OPENING, NOR_CLOSING),  # the new leagues have closing prices only
    ]:
        stored = Calibration.objects.get(sport__key=sport, market="h2h", reference__key="pinnacle", at=at)
        assert [r["method"] for r in stored.results] == list(METHODS)
        for r in stored.results:
            assert r["n"] == 3
            assert (r["log_loss"], r["brier"], r["rps"]) == pytest.approx(plain_scores(rows, r["method"]), rel=1e-12)
        assert f"{sport} · h2h · pinnacle · {at}: 3 events" in report
        assert stored.best == min(METHODS, key=lambda m: plain_scores(rows, m)[0])
    assert report.count("  shin ") == report.count("  multiplicative ") == Calibration.objects.count()
    assert not Calibration.objects.filter(reference__key__in=["market_max", "market_avg"]).exists()
    assert report.endswith(f"{Calibration.objects.count()} calibrations stored.\n")


def test_calibrate_refuses_unknown_names():
    with pytest.raises(CommandError, match="no sport 'soccer_mars'"):
        call_command("calibrate", sport=["soccer_mars"])
    with pytest.raises(CommandError, match="--resamples 0: at least 1"):
        call_command("calibrate", resamples=0)
