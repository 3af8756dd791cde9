"""End to end in a real Chromium: log in, read the dashboard, filter, place a bet from an
opportunity through the HTMX form, see it without a reload, settle it, see ROI change.
Screenshots of every page at desktop and phone widths go to test-artifacts/screenshots/."""

import io
import re
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from odds.models import MARKETS
from odds.tests.conftest import DATA
from odds.tests.factories import BookmakerFactory
from web.templatetags.monps import decimal_odds
from web.tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "a-long-browser-password"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def plain_static(settings):
    # The live server serves static files from the finders: unhashed names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def market(plain_static):
    from odds.demo import collect_demo
    from opportunities.detection import detect

    UserFactory(username="bettor", password=PASSWORD)
    from bets.services import add_ledger_entry

    add_ledger_entry(kind="deposit", amount="1000.00", note="start")
    from opportunities.models import Strategy

    # Transactional tests start from an emptied database: no default strategy. Any edge counts here,
    # so the simulated market always has opportunities to act on.
    pinnacle = BookmakerFactory(pinnacle=True)
    Strategy.objects.update_or_create(
        name="Pinnacle value",
        defaults={"reference_bookmaker": pinnacle, "devig_method": "shin", "min_edge": Decimal("0")},
    )
    collect_demo(now=timezone.now(), backfill=timedelta(hours=3))
    detect()


def login(page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "bettor")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().strip()


def test_the_bettors_day(page, live_server, market):
    from bets.models import Bet
    from opportunities.models import Opportunity

    login(page, live_server)
    api = page.request.get(f"{live_server.url}/api/stats/bankroll/").json()
    assert figure(page, "bankroll") == f"{Decimal(api['now']):,.2f}"
    assert figure(page, "roi") == "0.0%"

    # Filter opportunities: the list and the URL follow the filter, without a reload.
    market = Opportunity.objects.active().order_by("market").values_list("market", flat=True).first()
    page.goto(f"{live_server.url}/opportunities/")
    page.evaluate("window.__still_here = true")
    page.select_option("select[name=market]", market)
    page.wait_for_url(re.compile(rf"market={market}"))
    shown = dict(MARKETS)[market]  # each row names its market as a bettor reads it
    page.wait_for_function(
        "m => [...document.querySelectorAll('#results tbody tr td:nth-child(2) .muted')].every(e => e.innerText === m)",
        arg=shown,
    )
    assert page.evaluate("window.__still_here") is True
    markets = page.locator("#results tbody tr td:nth-child(2) .muted").all_inner_texts()
    assert markets
    assert set(markets) == {shown}

    # An event page's kick-off ("in 3 h") is never refreshed by HTMX: monps.js keeps it true.
    page.goto(f"{live_server.url}/events/{Opportunity.objects.active().first().event_id}/")
    kickoff = page.locator("p.muted time.ago").first
    kickoff.evaluate("e => { e.textContent = 'stale'; }")
    page.evaluate("document.dispatchEvent(new Event('DOMContentLoaded'))")
    assert re.fullmatch(r"in \d+ (s|min|h|d)|\d+ (s|min|h|d) ago", kickoff.inner_text())

    # Place a bet from the top opportunity on the dashboard; active bets update without a reload.
    page.goto(f"{live_server.url}/")
    page.evaluate("window.__still_here = true")
    from opportunities.selectors import top as top_opportunities

    [top] = top_opportunities(1)  # by expected profit at the stake available, as the dashboard lists them
    page.locator("#top-opportunities a.button").first.click()
    page.wait_for_selector("#bet-form form")
    assert page.input_value("#id_price") == decimal_odds(top.price)  # as the bettor reads prices (decimal here)
    page.fill("#id_stake", "10.00")
    page.click("#bet-form button[type=submit]")
    page.wait_for_selector("#bet-form-card[role=status]")
    page.wait_for_function(
        "outcome => document.querySelector('#active-bets').innerText.includes(outcome)", arg=top.outcome
    )
    assert page.evaluate("window.__still_here") is True
    bet = Bet.objects.get()
    assert (bet.price, bet.stake, bet.opportunity_id) == (top.price, Decimal("10.00"), top.pk)
    page.wait_for_function("() => document.querySelector('[data-figure=exposure]').innerText.trim() === '10.00'")

    # Settle it by hand on the bets page, then see ROI change on the dashboard.
    page.goto(f"{live_server.url}/bets/")
    page.select_option(f"#bet-{bet.pk} select[name=status]", "won")
    page.click(f"#bet-{bet.pk} button[type=submit]")
    page.wait_for_function(f"() => document.querySelector('#bet-{bet.pk} .badge').innerText === 'Won'")
    page.goto(f"{live_server.url}/")
    profit = (bet.price - 1) * Decimal("10.00")
    roi = (profit / Decimal("1000.00") * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert figure(page, "roi") == f"+{roi}%"
    assert page.request.get(f"{live_server.url}/api/stats/global/").json()["profit"] == f"{profit:.2f}"


@pytest.fixture
def every_page(market) -> dict[str, str]:
    """Every page of the site, each path with something to show: the demo market, a bet with its
    closing line and provenance settled by hand (the bet's page; the stats' figures, bands and chart),
    one opportunity hidden (the hidden list), and finished football-data.co.uk events with a
    calibration (the bookmakers and calibration pages)."""
    import time_machine
    from django.contrib.auth import get_user_model

    from bets.services import BetInput, place_bet, settle_bet, settle_pending
    from bets.tests.conftest import CLOSED_CSV
    from odds.ingest import ingest_snapshot
    from odds.models import Event
    from odds.providers.football_data import parse_csv
    from opportunities.models import Opportunity, Strategy
    from opportunities.services import hide_opportunity

    event = Event.objects.filter(commence_time__gt=timezone.now()).order_by("commence_time").first()
    ingest_snapshot(snapshot=parse_csv(CLOSED_CSV).snapshot)
    closed = Event.objects.get(home_team="Bournemouth")
    bet = place_bet(
        bet=BetInput(
            event_id=closed.pk,
            market="h2h",
            outcome="Bournemouth",
            point=None,
            bookmaker="bet365",
            price="2.750",
            stake="10.00",
        ),
        allow_started=True,
    )
    with time_machine.travel(closed.commence_time + timedelta(minutes=1)):
        settle_pending()  # the closing line; the file has no score
    settle_bet(bet=bet, status="won")
    bettor = get_user_model().objects.get(username="bettor")
    hide_opportunity(user_id=bettor.pk, opportunity=Opportunity.objects.active().first())
    call_command("import_football_data", str(DATA / "E0_2324_head.csv"), stdout=io.StringIO())
    call_command("calibrate", reference=["pinnacle"], resamples=50, stdout=io.StringIO())
    return {
        "dashboard": "/",
        "odds": "/odds/",
        "event": f"/events/{event.pk}/",
        "opportunities": "/opportunities/",
        "hidden": "/opportunities/hidden/",
        "strategies": "/opportunities/strategies/",
        "strategy-form": f"/opportunities/strategies/{Strategy.objects.get(name='Pinnacle value').pk}/",
        "bets": "/bets/",
        "bet-new": "/bets/new/",
        "bet-import": "/bets/import/",
        "bet": f"/bets/{bet.pk}/",
        "stats": "/stats/",
        "bookmakers": "/stats/bookmakers/",
        "calibration": "/stats/calibration/?sport=soccer_epl&reference=pinnacle",
        "settings": "/settings/",
        "api-docs": "/api/docs/",
    }


def test_screenshots_of_every_page(page, live_server, every_page):
    # Every file a page asks for (icon, styles, scripts, charts) is there, and no script fails.
    failures = []

    def failed_response(r) -> None:
        if r.status >= 400:
            failures.append(f"{r.status} {r.url}")

    def console_error(message) -> None:
        if message.type == "error":
            failures.append(f"console: {message.text}")

    page.on("response", failed_response)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    # The browser fetches the icon on its own: only the console reports that it failed.
    page.on("console", console_error)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    taken = []

    def screenshot(name: str) -> None:
        path = ARTIFACTS / f"{name}.png"
        path.unlink(missing_ok=True)  # one left by an earlier run proves nothing
        page.screenshot(path=str(path), full_page=True)
        taken.append(path)

    for size, viewport in SIZES.items():  # the one page seen logged out
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("h1").inner_text() == "Log in"
        screenshot(f"login-{size}")
    login(page, live_server)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in every_page.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            if name == "api-docs":  # Swagger UI draws its page once its script has read the schema
                page.wait_for_selector(".swagger-ui h1.title")
            assert page.locator("h1").count() == 1, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{name} scrolls sideways at {size} width ({width}px)"
            screenshot(f"{name}-{size}")
    assert len(taken) == 2 * (len(every_page) + 1)
    assert all(path.stat().st_size > 0 for path in taken)
    assert failures == []


def test_a_bets_page_shows_the_provenance_of_its_clv_one_click_away(page, live_server, market):
    from datetime import timedelta

    import time_machine

    from bets.services import BetInput, place_bet, settle_pending
    from bets.tests.conftest import CLOSED_CSV
    from odds.ingest import ingest_snapshot
    from odds.models import Event
    from odds.providers.football_data import parse_csv

    ingest_snapshot(snapshot=parse_csv(CLOSED_CSV).snapshot)
    event = Event.objects.get(home_team="Bournemouth")
    bet = place_bet(
        bet=BetInput(
            event_id=event.pk,
            market="h2h",
            outcome="Bournemouth",
            point=None,
            bookmaker="bet365",
            price="2.750",
            stake="10.00",
        ),
        allow_started=True,
    )
    with time_machine.travel(event.commence_time + timedelta(minutes=1)):
        settle_pending()
    bet.refresh_from_db()
    login(page, live_server)
    page.goto(f"{live_server.url}/bets/")
    page.click(f'#bet-{bet.pk} a[href="/bets/{bet.pk}/"]')
    page.wait_for_url(f"{live_server.url}/bets/{bet.pk}/")
    assert page.locator("#closing > .table-wrap tbody tr").count() == 5  # one row per devig method
    provenance = page.locator("#provenance table")
    assert not provenance.is_visible()
    page.click("#provenance summary")
    assert provenance.is_visible()
    assert "Reference Pinnacle" in page.locator("#provenance").inner_text()
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the bet's page scrolls sideways at {size} width ({width}px)"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"bet-{size}.png"), full_page=True)
