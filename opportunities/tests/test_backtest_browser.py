"""/backtest/ in a real Chromium with a real worker, at desktop and phone widths: start a run, see it
queued, then running with its progress, then its summary without a reload; start a grid; compare
the two runs. Nothing is wider than a 390 px screen. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from devtools.processes import hold_table, wait_until, waiting_on
from devtools.testing import database_url
from opportunities.tests.test_browser import TOO_WIDE
from web.tests.test_browser import ARTIFACTS, PASSWORD, SIZES, plain_static  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("plain_static"),
]
# What is shown: the content of a closed <details> (an explanation not opened) is laid out unseen.
SHOWN_TOO_WIDE = TOO_WIDE.replace(
    "if (box.width === 0 && box.height === 0) return false;",
    "if (box.width === 0 && box.height === 0) return false;"
    " if (e.closest('details:not([open])') && !e.closest('summary')) return false;",
)


@pytest.fixture
def strategy():
    from odds.models import Bookmaker
    from opportunities.tests.backtest_market import simulated_season
    from opportunities.tests.factories import StrategyFactory
    from web.tests.factories import UserFactory

    UserFactory(username="bettor", password=PASSWORD)
    simulated_season(seed=5, events=40)
    return StrategyFactory(
        name="Backtested value",
        reference_bookmaker=Bookmaker.objects.get(key="pinnacle"),
        devig_method="multiplicative",
        min_edge=Decimal("0.01"),
        min_price=Decimal("1.010"),
        max_price=Decimal("100.000"),
        markets="h2h",
    )


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/backtest/")
    page.fill("#id_username", "bettor")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backtest/")


def shot(page, name: str, size: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
    too_wide = page.evaluate(SHOWN_TOO_WIDE)
    assert too_wide == [], f"{name}: {too_wide}"


@pytest.mark.parametrize("size", list(SIZES))
def test_start_a_run_follow_it_and_compare_two(page, live_server, start_celery_worker, strategy, size):
    from monps.celery import app
    from opportunities.models import BacktestRun

    page.set_viewport_size(SIZES[size])
    failures: list[str] = []  # every file a page asks for is there, and no script fails
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    worker = start_celery_worker("backtests")
    app.control.cancel_consumer("backtests", destination=[worker.hostname], reply=True, timeout=5)
    log_in(page, live_server)
    shot(page, "backtest-form", size)

    # A flat run: queued while no worker takes it.
    page.select_option("#id_strategy", str(strategy.pk))
    page.check("input[name=staking][value=flat]")
    page.click("#new-run button[type=submit]")
    page.wait_for_selector("[data-figure=status]")
    flat = BacktestRun.objects.get()
    assert page.url == f"{live_server.url}/backtest/{flat.pk}/"
    assert page.locator("[data-figure=status]").inner_text() == "Queued"
    assert page.locator("progress.run-progress").get_attribute("value") == "0"
    shot(page, "backtest-queued", size)

    # Taken by the worker, it holds before writing its bets: the page follows its progress by itself.
    url = database_url(connection.settings_dict)
    holder = hold_table(url, "opportunities_backtestbet")
    try:
        page.evaluate("window.__still_here = true")
        app.control.add_consumer("backtests", destination=[worker.hostname], reply=True, timeout=5)
        with psycopg.connect(url, autocommit=True) as observer:
            wait_until(lambda: waiting_on(observer, "opportunities_backtestbet"), timeout=60, what="the run to write")
        page.wait_for_function("() => document.querySelector('[data-figure=status]').innerText === 'Running'")
        page.wait_for_function("() => document.querySelector('[data-figure=percent]').innerText === '95%'")
        assert page.locator("progress.run-progress").get_attribute("value") == "95"
        shot(page, "backtest-running", size)
    finally:
        holder.rollback()
        holder.close()
    page.wait_for_selector("#summary", timeout=30_000)
    assert page.evaluate("window.__still_here") is True  # swapped in by HTMX, not reloaded
    flat.refresh_from_db()
    assert page.locator("[data-figure=bets]").inner_text() == str(flat.summary["bets"])
    assert page.locator("[data-figure=verdict]").inner_text() == flat.summary["verdict"]["sentence"]
    shot(page, "backtest-finished", size)

    # A Kelly grid, with the strategy's minimum edge adjusted for it.
    page.goto(f"{live_server.url}/backtest/")
    page.select_option("#id_strategy", str(strategy.pk))
    page.check("input[name=staking][value=kelly]")
    page.locator("summary:text('Try a grid of settings')").click()
    page.fill("#id_grid_min_edge", "0, 0.02, 0.04")
    page.fill("#id_grid_kelly_fraction", "0.25, 0.5, 1")
    page.click("#new-run button[type=submit]")
    page.wait_for_selector("#grid", timeout=60_000)
    grid = BacktestRun.objects.exclude(pk=flat.pk).get()
    assert page.locator("#grid h2").inner_text() == "Grid: 9 configurations tried"
    assert page.locator("table.heat td.best-cell").count() == 3
    shot(page, "backtest-grid", size)

    # Both side by side.
    page.goto(f"{live_server.url}/backtest/")
    page.check(f"input[name=runs][value='{flat.pk}']")
    page.check(f"input[name=runs][value='{grid.pk}']")
    shot(page, "backtest-list", size)
    page.click("#runs button[type=submit]")
    page.wait_for_url(re.compile(r"/backtest/compare/\?runs=\d+&runs=\d+$"))
    grid.refresh_from_db()
    assert page.locator(f"[data-figure=bets-{flat.pk}]").inner_text() == str(flat.summary["bets"])
    assert page.locator(f"[data-figure=bets-{grid.pk}]").inner_text() == str(grid.summary["bets"])
    assert page.locator("svg.chart polyline").count() == 2
    shot(page, "backtest-compare", size)
    assert failures == []
