"""In a real Chromium: a bookmaker's commission edited in place on the settings page (a refused value
comes back beside its field, a good one is saved without a reload), and the demo market's exchange
shown with its prices net of commission on the odds screen and the opportunities page."""

from decimal import Decimal

import pytest

from odds.models import Bookmaker
from web.tests.test_browser import ARTIFACTS, SIZES, login, market, plain_static  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_commission_is_edited_in_place_and_a_bad_one_is_refused_beside_its_field(page, live_server, market):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server)
    page.goto(f"{live_server.url}/settings/")
    page.click("main a[href='/settings/bookmakers/']")
    page.wait_for_url(f"{live_server.url}/settings/bookmakers/")
    row = page.locator("#bookmaker-betfair_ex_eu")
    assert row.locator("[data-commission]").inner_text() == "5.00%"  # the demo exchange, Betfair's rate

    row.get_by_role("link", name="Edit Betfair Exchange").click()
    commission = page.locator("#id_betfair_ex_eu-commission")
    commission.wait_for()
    assert page.url == f"{live_server.url}/settings/bookmakers/"  # edited in place, no navigation
    commission.fill("1.5")
    page.locator("#bookmaker-betfair_ex_eu button[type=submit]").click()
    error = page.locator("#id_betfair_ex_eu-commission-error")
    error.wait_for()
    assert error.inner_text() == "1.5 is not a share from 0 up to 1 (0.05 is 5% of net winnings)"
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"bookmaker-settings-error-{name}.png"), full_page=True)
    assert Bookmaker.objects.get(key="betfair_ex_eu").commission == Decimal("0.0500")

    page.set_viewport_size(SIZES["desktop"])
    page.locator("#id_betfair_ex_eu-commission").fill("0.02")
    page.locator("#bookmaker-betfair_ex_eu button[type=submit]").click()
    page.locator("#bookmaker-betfair_ex_eu [data-commission]").wait_for()
    assert page.locator("#bookmaker-betfair_ex_eu [data-commission]").inner_text() == "2.00%"
    assert Bookmaker.objects.get(key="betfair_ex_eu").commission == Decimal("0.0200")
    page.screenshot(path=str(ARTIFACTS / "bookmaker-settings-desktop.png"), full_page=True)


def test_the_demo_exchange_shows_its_net_prices(page, live_server, market):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server)
    page.goto(f"{live_server.url}/odds/?market=h2h")
    net = page.locator(".odds-line .net").first
    net.wait_for()
    assert net.inner_text().startswith("net ")
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"odds-screen-net-prices-{name}.png"), full_page=False)
    # The demo lays every match result: its lay prices are listed on an event's page.
    page.set_viewport_size(SIZES["desktop"])
    page.locator(".event-card h2 a").first.click()
    page.wait_for_url(f"{live_server.url}/events/**")
    assert page.locator("td", has_text="h2h_lay").count() == 3
    page.screenshot(path=str(ARTIFACTS / "event-lay-prices-desktop.png"), full_page=True)
