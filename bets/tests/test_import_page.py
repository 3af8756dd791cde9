"""The import page in a real Chromium at desktop and phone widths: a file with a refused line, then
the same file mended; screenshots of both reports in test-artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bets.models import Bet
from odds.tests.factories import EventOddsFactory, ingest
from opportunities.tests.factories import quotes
from web.tests.factories import UserFactory
from web.tests.test_browser import ARTIFACTS, PASSWORD, SIZES, login, plain_static  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clock():
    """The live server runs on the real clock, not on the bets tests' fixed one."""
    return


@pytest.fixture
def events(plain_static):  # noqa: F811
    UserFactory(username="bettor", password=PASSWORD)
    kickoff = timezone.now().replace(microsecond=0) - timedelta(days=1)
    for provider_id, home, away in [
        ("mu-wol", "Manchester United", "Wolverhampton Wanderers"),
        ("ars-che", "Arsenal", "Chelsea"),
    ]:
        prices = {"bet365": {home: 2.10, "Draw": 3.40, away: 3.60}}
        odds = EventOddsFactory.build(
            provider_id=provider_id,
            home_team=home,
            away_team=away,
            commence_time=kickoff,
            quotes=quotes(home, prices, observed_at=kickoff - timedelta(hours=1)),
        )
        ingest(odds, collected_at=kickoff - timedelta(hours=1))
    return kickoff


def bets_file(kickoff, *, mended: bool) -> bytes:
    """Two bets, one at a price below 1, and a bet on a match not stored; mended, the two bets right."""
    placed, start = f"{kickoff - timedelta(hours=2):%Y-%m-%d %H:%M}", f"{kickoff:%Y-%m-%d %H:%M}"
    lines = [
        "placed_at,event,kick_off,market,selection,point,bookmaker,price,stake,status",
        f"{placed},Man United v Wolves,{start},h2h,Man United,,bet365,2.10,10.00,won",
        f"{placed},Arsenal v Chelsea,{start},h2h,Draw,,Bet365,{'3.40' if mended else '0.9'},5.00,lost",
        f"{placed},Arsenal v Spurs,{start},h2h,Arsenal,,bet365,2.10,5.00,",
    ]
    return ("\n".join(lines[:3] if mended else lines) + "\n").encode()


def upload(page, live_server, content: bytes) -> None:
    page.goto(f"{live_server.url}/bets/")
    page.click("a[href='/bets/import/']")
    page.wait_for_url(f"{live_server.url}/bets/import/")
    page.select_option("#id_time_zone", "UTC")
    page.set_input_files("#id_file", {"name": "bookmaker.csv", "mimeType": "text/csv", "buffer": content})
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector("#import-summary")


def test_the_import_page_reports_refused_lines_then_imports_the_mended_file(page, live_server, events):
    login(page, live_server)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    upload(page, live_server, bets_file(events, mended=False))
    assert page.inner_text("#import-summary") == "bookmaker.csv: 2 of 3 lines refused; nothing written."
    rows = page.locator("#import-problems tbody tr")
    assert rows.nth(0).locator("td").all_inner_texts() == ["3", "price: 0.9 must be above 1.0 (decimal odds)"]
    line, reason = rows.nth(1).locator("td").all_inner_texts()
    assert (line, reason.startswith("event: no stored event is Arsenal v Spurs kicking off within 3 hours")) == (
        "4",
        True,
    )
    assert Bet.objects.count() == 0
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(ARTIFACTS / f"bets-import-refused-{size}.png"), full_page=True)

    page.set_viewport_size(SIZES["desktop"])
    upload(page, live_server, bets_file(events, mended=True))
    assert page.inner_text("#import-summary") == "bookmaker.csv: 2 lines, 2 bets written, 0 already stored."
    matched = page.locator("#import-matches tbody tr").first.locator("td").all_inner_texts()
    assert matched[:3] == [
        "2",
        "Man United v Wolves",
        f"Manchester United v Wolverhampton Wanderers {events:%-d %b %H:%M} UTC",
    ]
    assert sorted(Bet.objects.values_list("outcome", "status")) == [("Draw", "lost"), ("Manchester United", "won")]
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"bets-import-{size}.png"), full_page=True)
