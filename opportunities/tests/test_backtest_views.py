"""/backtest/ and /api/backtests/: start a run, follow it, read it, its bets as CSV, compare runs."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from odds.models import Bookmaker
from opportunities.backtest_runs import RunRequest, execute_backtest, start_backtest
from opportunities.models import BacktestRun
from opportunities.tests.backtest_market import simulated_season
from opportunities.tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strategy():
    simulated_season(seed=5, events=16)
    return StrategyFactory(
        name="Simulated value",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="multiplicative",
        min_edge=Decimal("0.01"),
        min_price=Decimal("1.010"),
        max_price=Decimal("100.000"),
        markets="h2h",
    )


def finished(strategy, **asked) -> BacktestRun:
    run = start_backtest(request=RunRequest(strategy=strategy.pk, **asked), user=None)
    return execute_backtest(run_id=run.pk, holder=f"view-{run.pk}")


def test_the_page_starts_a_run_and_sends_to_it(auth_client, strategy, django_capture_on_commit_callbacks):
    page = auth_client.get("/backtest/")
    assert page.status_code == 200
    assert b'id="new-run"' in page.content
    assert b"No run yet" in page.content
    form = {
        "strategy": strategy.pk,
        "sport": "soccer_epl",
        "date_from": "2026-11-01",
        "bet_at": "opening",
        "lead_hours": "24",
        "staking": "kelly",
        "kelly_fraction": "0.3",
        "bankroll": "500",
        "flat_stake": "1",
        "min_edge": "0.03",
        "markets": ["h2h"],
        "grid_min_edge": "0.01, 0.03",
    }
    with django_capture_on_commit_callbacks() as sent:
        response = auth_client.post("/backtest/", form)
    run = BacktestRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/backtest/{run.pk}/"
    assert len(sent) == 1  # its task, once committed
    assert run.status == BacktestRun.QUEUED
    assert run.parameters == {
        "strategy": strategy.pk,
        "sport": "soccer_epl",
        "date_from": "2026-11-01",
        "date_to": None,
        "bet_at": "opening",
        "lead_hours": 24.0,
        "staking": "kelly",
        "kelly_fraction": 0.3,
        "bankroll": 500.0,
        "flat_stake": 1.0,
        "rules": {"min_edge": 0.03, "markets": ["h2h"]},
        "grid": {"min_edge": [0.01, 0.03]},
    }
    assert run.rules["strategy"]["min_edge"] == 0.03
    assert run.created_by.username == "bettor"


def test_the_page_names_what_cannot_be_run(auth_client, strategy):
    form = {"strategy": strategy.pk, "bet_at": "lead", "lead_hours": "24", "staking": "flat", "bankroll": "1000"}
    form |= {"flat_stake": "1", "kelly_fraction": "0.5", "grid_kelly_fraction": "0.25"}
    page = auth_client.post("/backtest/", form).content.decode()
    assert "a Kelly fraction applies to Kelly staking: set staking to kelly" in page
    assert "Grid: a grid needs at least two configurations" in page
    assert BacktestRun.objects.count() == 0


def test_a_queued_run_shows_its_progress_and_polls(auth_client, strategy):
    run = start_backtest(request=RunRequest(strategy=strategy.pk), user=None)
    page = auth_client.get(f"/backtest/{run.pk}/").content.decode()
    assert f'hx-get="/backtest/{run.pk}/" hx-trigger="every 1s"' in page
    assert '<progress class="run-progress" value="0" max="100"' in page
    BacktestRun.objects.filter(pk=run.pk).update(status=BacktestRun.RUNNING, progress=0.42)
    part = auth_client.get(f"/backtest/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<section id="run"')
    assert "<html" not in part
    assert '<span data-figure="percent">42%</span>' in part


def test_a_finished_run_shows_its_figures_and_stops_polling(auth_client, strategy):
    run = finished(strategy, staking="kelly", grid={"min_edge": [0.01, 0.03], "kelly_fraction": [0.25, 0.5]})
    part = auth_client.get(f"/backtest/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in part
    assert f'data-figure="bets">{run.summary["bets"]}<' in part
    assert run.summary["verdict"]["sentence"] in part
    assert "Grid: 4 configurations tried" in part
    assert part.count('<table class="heat"') == 3  # yield, CLV, drawdown
    assert part.count("best-cell") == 3
    assert f'href="/api/backtests/{run.pk}/bets.csv"' in part
    for title in ("By league", "By bookmaker", "By market", "By price band", "By edge band"):
        assert title in part


def test_running_it_again_asks_the_same(auth_client, strategy):
    run = finished(strategy)
    response = auth_client.post(f"/backtest/{run.pk}/again/")
    again = BacktestRun.objects.exclude(pk=run.pk).get()
    assert response["Location"] == f"/backtest/{again.pk}/"
    assert (again.parameters, again.rules, again.status) == (run.parameters, run.rules, BacktestRun.QUEUED)


def test_two_runs_side_by_side(auth_client, strategy):
    flat, kelly = finished(strategy), finished(strategy, staking="kelly", kelly_fraction=0.5)
    page = auth_client.get(f"/backtest/compare/?runs={flat.pk}&runs={kelly.pk}").content.decode()
    assert f'data-figure="bets-{flat.pk}">{flat.summary["bets"]}<' in page
    assert f'data-figure="bets-{kelly.pk}">{kelly.summary["bets"]}<' in page
    assert page.count("<polyline") == 2  # both curves on one chart
    assert flat.summary["verdict"]["sentence"] in page
    one = auth_client.get(f"/backtest/compare/?runs={flat.pk}", follow=True)
    assert "Compare: choose two to four finished runs to compare (1 chosen)" in one.content.decode()


def test_the_api_starts_a_run_and_answers_its_figures(auth_client, strategy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as sent:
        response = auth_client.post(
            "/api/backtests/",
            {"strategy": "Simulated value", "staking": "kelly", "kelly_fraction": 0.5, "min_edge": "0.02"},
            content_type="application/json",
        )
    assert response.status_code == 201
    run = BacktestRun.objects.get()
    assert response.json() == {"id": run.pk, "status": "queued"}
    assert len(sent) == 1
    queued = auth_client.get(f"/api/backtests/{run.pk}/").json()
    assert (queued["status"], queued["progress"], queued["summary"]) == ("queued", 0.0, None)
    execute_backtest(run_id=run.pk, holder="api")
    run.refresh_from_db()
    answer = auth_client.get(f"/api/backtests/{run.pk}/").json()
    assert answer["status"] == "finished"
    assert answer["progress"] == 1.0
    assert answer["summary"] == run.summary
    assert set(answer["summary"]) >= {"bets", "staked", "profit", "yield", "average_clv", "max_drawdown", "verdict"}
    assert answer["parameters"]["kelly_fraction"] == 0.5
    assert answer["rules"]["strategy"]["min_edge"] == 0.02
    assert answer["curve"][0] == {"at": run.curve[0][0], "bankroll": 1000.0}
    assert set(answer["breakdowns"]) == {"league", "bookmaker", "market", "price_band", "edge_band"}
    assert answer["bets_csv"] == f"http://testserver/api/backtests/{run.pk}/bets.csv"
    listed = auth_client.get("/api/backtests/").json()
    assert [r["id"] for r in listed["results"]] == [run.pk]

    response = auth_client.get(answer["bets_csv"])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["sequence", "placed_at", "league", "event"]
    assert len(rows) == 1 + run.summary["bets"]
    first = run.bets.order_by("sequence").first()
    assert rows[1][9:11] == [str(first.price), str(first.net_price)]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"strategy": ["This field is required."]}),
        ({"strategy": "Nobody"}, {"strategy": ["no saved strategy with the id or name 'Nobody'"]}),
        (
            {"strategy": "Simulated value", "stake": 10},
            {
                "stake": [
                    "is not a field here; the fields are strategy, sport, date_from, date_to, bet_at, lead_hours, "
                    "staking, kelly_fraction, bankroll, flat_stake, min_edge, method, min_price, max_price, "
                    "markets, max_stake_share, grid"
                ]
            },
        ),
        (
            {"strategy": "Simulated value", "grid": {"min_edge": [0.01, "x"]}},
            {"grid": ["min_edge: 'x' is not a number"]},
        ),
        (
            {"strategy": "Simulated value", "staking": "kelly", "kelly_fraction": 0},
            {"kelly_fraction": ["0: above 0, at most 1 (0.25 for quarter Kelly)"]},
        ),
    ],
)
def test_the_api_names_what_it_cannot_run(auth_client, strategy, body, errors):
    response = auth_client.post("/api/backtests/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid input.", "errors": errors}
    assert BacktestRun.objects.count() == 0


def test_backtests_need_a_login(client, strategy):
    assert client.get("/backtest/")["Location"].startswith("/accounts/login/")
    assert client.get("/api/backtests/").status_code == 401
    assert client.post("/api/backtests/", {"strategy": strategy.pk}, content_type="application/json").status_code == 401


@pytest.mark.parametrize("path", ["/backtest/", "/api/backtests/"])
def test_the_list_of_runs_reads_as_many_rows_in_as_many_queries(auth_client, strategy, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = finished(strategy, grid={"min_edge": [0.01, 0.03]})

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert auth_client.get(path).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    fields = ["strategy", "strategy_name", "parameters", "rules", "status", "summary", "curve", "breakdowns", "grid"]
    BacktestRun.objects.bulk_create([BacktestRun(**{f: getattr(run, f) for f in fields}) for _ in range(20)])
    assert queries() == few
