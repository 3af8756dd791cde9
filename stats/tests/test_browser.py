"""The verdict and the bookmakers page in a real Chromium, at desktop and phone widths: what they
say, the filter bar refreshing the figures without a reload, and screenshots to
test-artifacts/screenshots/ (as web/tests/test_browser.py)."""

import re

import pytest
import time_machine

from web.tests.test_browser import ARTIFACTS, PASSWORD, SIZES, login, plain_static  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(django_user_model, plain_static):  # noqa: F811 - the fixture imported above
    """A bettor with settled bets that have a CLV, and three matches of football-data.co.uk prices
    (opening and closing, six bookmakers) to compare the bookmakers on."""
    from odds.ingest import ingest_snapshot
    from odds.models import Bookmaker
    from odds.providers.football_data import parse_file
    from odds.tests.conftest import DATA
    from opportunities.models import Strategy
    from opportunities.tests.factories import NOW
    from stats.tests.test_stats import make_history

    django_user_model.objects.create_user("bettor", password=PASSWORD)
    with time_machine.travel(NOW, tick=False):  # the bets are placed before their events start
        make_history(40)
    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    # A transactional test may start from an emptied database: no default strategy.
    Strategy.objects.update_or_create(
        name="Pinnacle value",
        defaults={"reference_bookmaker": Bookmaker.objects.get(key="pinnacle"), "devig_method": "shin"},
    )


def test_the_verdict_and_the_bookmakers(page, live_server, history):
    failures = []

    def failed_response(r) -> None:
        if r.status >= 400:
            failures.append(f"{r.status} {r.url}")

    def console_error(message) -> None:
        if message.type == "error":
            failures.append(f"console: {message.text}")

    page.on("response", failed_response)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    page.on("console", console_error)
    login(page, live_server)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    api = page.request.get(f"{live_server.url}/api/stats/global/").json()

    page.goto(f"{live_server.url}/stats/")
    assert page.locator('[data-figure="verdict"]').inner_text() == api["verdict"]
    assert page.locator('[data-figure="clv-mean"]').is_visible()

    # The filter bar swaps the figures in place, and the URL follows.
    page.goto(f"{live_server.url}/stats/bookmakers/")
    assert page.locator("#market-h2h tbody tr").count() == 6  # six bookmakers quote the match result
    page.evaluate("window.__still_here = true")
    page.select_option("select[name=market]", "totals")
    page.wait_for_url(re.compile(r"market=totals"))
    page.wait_for_selector("#market-h2h", state="detached")
    assert page.locator("#market-totals tbody tr").count() == 2
    assert page.evaluate("window.__still_here") is True
    comparison = page.request.get(f"{live_server.url}/api/stats/bookmakers/?market=totals").json()
    assert [r["bookmaker_title"] for r in comparison["results"]] == [
        t.split(" ")[0] for t in page.locator("#market-totals tbody td:first-child").all_inner_texts()
    ]

    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in (("stats-verdict", "/stats/"), ("bookmakers", "/stats/bookmakers/")):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            assert page.locator("h1").count() == 1
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{name} scrolls sideways at {size} width ({width}px)"
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
    assert failures == []
