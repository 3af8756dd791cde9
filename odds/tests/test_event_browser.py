"""The event page's line movement in a real Chromium, at 1280 px with a mouse and at 390 px with a
touch screen: one chart per market line, the other lines of a market one pick away, a price and the
fair price read by hovering or tapping a moment (or by the arrow keys), a bookmaker toggled off, the
bettor's bet marked, nothing wider than a phone but the bookmaker grid, and a finished event's prices
at kick-off with its result. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from odds.models import H2H, SPREADS, TOTALS
from odds.tests.story import HOME, price_at, story_event
from web.tests.test_browser import ARTIFACTS, PASSWORD, SIZES, login, plain_static  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("plain_static")]

# Every element whose box leaves the viewport sideways or that scrolls sideways itself, but the
# bookmaker grid of the price table (which may scroll) and what is inside it.
TOO_WIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
    if (e.closest('#prices .table-wrap')) return false;
    const box = e.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    const style = getComputedStyle(e);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
    return box.left < -0.5 || box.right > window.innerWidth + 0.5 || scrolls;
}).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)"""

# Where on the screen a moment (Unix time) of a chart is: its x, and half its height.
SCREEN_AT = """([svg, t]) => {
    const box = svg.getBoundingClientRect(), d = svg.dataset;
    const x = +d.left + (t - d.x0) / (d.x1 - d.x0) * (d.right - d.left);
    return {x: box.left + x * box.width / svg.viewBox.baseVal.width, y: box.top + box.height / 2};
}"""


@pytest.fixture
def stories():
    from bets.services import BetInput, add_ledger_entry, place_bet
    from odds.tests.factories import BookmakerFactory
    from opportunities.models import Strategy
    from web.tests.factories import UserFactory

    UserFactory(username="bettor", password=PASSWORD)
    add_ledger_entry(kind="deposit", amount="1000.00", note="start")
    Strategy.objects.update_or_create(  # the fair price: Pinnacle's line devigged multiplicatively
        name="Pinnacle value",
        defaults={"reference_bookmaker": BookmakerFactory(pinnacle=True), "devig_method": "multiplicative"},
    )
    now = timezone.now()
    upcoming = story_event(now=now)
    finished = story_event(now=now, finished=True, provider_id="story-finished")
    bet = place_bet(
        bet=BetInput(
            event_id=upcoming.event.pk,
            market=TOTALS,
            outcome="Over",
            point="2.5",
            bookmaker="bet365",
            price="1.90",
            stake="10.00",
            placed_at=upcoming.times[2] + timedelta(minutes=5),
        )
    )
    return upcoming, finished, bet


def fair_price(prices: list[Decimal], index: int) -> str:
    """The multiplicative devig by hand: outcome ``index``'s fair price 1 / (pi_i / sum(pi)), as the
    page shows it (two places, three when the third matters)."""
    implied = [1 / float(p) for p in prices]
    price = Decimal(repr(sum(implied) / implied[index])).quantize(Decimal("0.001"), ROUND_HALF_UP)
    text = f"{price:.3f}"
    return text[:-1] if text.endswith("0") else text


def decimal_text(price: Decimal) -> str:
    text = f"{price:.3f}"
    return text[:-1] if text.endswith("0") else text


def point_at(page, figure, panel: int, at) -> tuple[float, float]:
    svg = figure.locator("svg.movement").nth(panel)
    where = svg.evaluate_handle("s => s")
    spot = page.evaluate(SCREEN_AT, [where, at.timestamp()])
    return spot["x"], spot["y"]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_line_has_its_chart_with_prices_read_on_hover_or_tap(browser, live_server, stories, size):
    upcoming, _, bet = stories
    touch = size == "phone"
    context = browser.new_context(viewport=SIZES[size], has_touch=touch, is_mobile=touch)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server)
    page.goto(f"{live_server.url}/events/{upcoming.event.pk}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"event-movement-{size}.png"), full_page=True)

    # The main line of each market charted, a panel per outcome; every other line one pick away.
    shown = page.locator("figure.movement-line").evaluate_all("fs => fs.map(f => f.id)")
    assert shown == ["line-h2h-0", "line-spreads-m0_5", "line-totals-2_5"]
    assert [page.locator(f"#{f} svg.movement").count() for f in shown] == [3, 2, 2]
    seen = set(shown)
    assert not page.locator("#movement-totals .line-picker button").is_visible()  # picking is enough
    for market, lines in (("spreads", ["-1.5", "-0.5"]), ("totals", ["3.5", "2.5"])):
        picker = page.locator(f"#pick-{market}")
        assert picker.locator("option").evaluate_all("os => os.map(o => o.value)") == sorted(lines, key=Decimal)
        for value in lines:
            figure_id = f"line-{market}-{value.replace('-', 'm').replace('.', '_')}"
            page.locator(f"#pick-{market}").select_option(value)
            page.wait_for_selector(f"#{figure_id} svg.movement")
            # The next pick only once htmx has settled the swap and bound the new picker, as a person's would.
            page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
            assert page.locator(f"#movement-{market} figure.movement-line").count() == 1
            assert page.locator(f"#{figure_id} svg.movement").count() == 2
            seen.add(figure_id)
    assert seen == {"line-h2h-0", "line-spreads-m1_5", "line-spreads-m0_5", "line-totals-2_5", "line-totals-3_5"}
    totals = page.locator("#line-totals-2_5")
    assert page.locator("#pick-totals").input_value() == "2.5"

    # The bet is marked on its selection's panel (Over 2.5), on no other.
    assert totals.locator("svg.movement").nth(0).locator(".bet-mark").count() == 1
    assert page.locator(".bet-mark").count() == 1

    # A moment of the chart read by hovering or tapping it: each book's price then, and the fair price.
    over = totals.locator("svg.movement").nth(0)
    over.scroll_into_view_if_needed()
    at = upcoming.times[2]
    x, y = point_at(page, totals, 0, at)
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.move(x, y)
    readout = totals.locator(".readout").nth(0)
    pinnacle = [price_at("pinnacle", TOTALS, Decimal("2.5"), o, 2) for o in ("Over", "Under")]
    bet365 = price_at("bet365", TOTALS, Decimal("2.5"), "Over", 2)
    page.wait_for_function("r => r.querySelector('[data-series=pinnacle]')", arg=readout.element_handle())
    items = readout.locator(".item").evaluate_all("items => items.map(i => [i.dataset.series, i.textContent])")
    assert dict(items) == {
        "pinnacle": f"Pinnacle {decimal_text(pinnacle[0])}",
        "bet365": f"Bet365 {decimal_text(bet365)}",
        "williamhill": f"William Hill {decimal_text(price_at('williamhill', TOTALS, Decimal('2.5'), 'Over', 2))}",
        "fair": f"Fair price {fair_price(pinnacle, 0)}",
    }
    page.screenshot(path=str(ARTIFACTS / f"event-movement-read-{size}.png"))

    # The bet's moment says so; the arrow keys step from it to the next change.
    x, y = point_at(page, totals, 0, bet.placed_at)
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.move(x, y)
    assert readout.locator(".item.bet").inner_text() == "Your bet: 1.90 at Bet365, 10.00 (Pending)"
    over.focus()
    page.keyboard.press("ArrowRight")
    assert readout.locator(".item.bet").count() == 0
    assert readout.locator(".item[data-series=pinnacle]").inner_text() == (
        f"Pinnacle {decimal_text(price_at('pinnacle', TOTALS, Decimal('2.5'), 'Over', 3))}"
    )

    # Bet365 toggled off: gone from both panels and from what a moment reads; toggled on, back.
    toggle = totals.locator(".book-toggle[data-series=bet365]")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert totals.locator("g.series[data-series=bet365]").evaluate_all(
        "gs => gs.map(g => getComputedStyle(g).display)"
    ) == ["none", "none"]
    assert readout.locator(".item[data-series=bet365]").count() == 0
    assert readout.locator(".item[data-series=pinnacle]").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"event-movement-toggled-{size}.png"))
    toggle.click()
    assert readout.locator(".item[data-series=bet365]").count() == 1

    # At 390 px nothing is wider than the screen, nor scrolls sideways, but the bookmaker grid.
    if touch:
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
        assert page.evaluate(TOO_WIDE) == []
        totals.locator("details.movement-table summary").tap()
        assert totals.locator("details.movement-table table").first.is_visible()
        assert page.evaluate(TOO_WIDE) == []
        totals.locator("details.movement-table").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"event-movement-table-{size}.png"))
    assert errors == []
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_finished_event_shows_its_prices_at_kick_off_and_its_result(browser, live_server, stories, size):
    _, finished, _ = stories
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    login(page, live_server)
    page.goto(f"{live_server.url}/events/{finished.event.pk}/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"event-finished-{size}.png"), full_page=True)

    assert page.locator("#prices h2").inner_text() == "Prices at kick-off"
    assert "Prices now" not in page.content()
    assert page.locator("[data-result]").inner_text() == "Result 2–1"
    # Pinnacle's price at kick-off (its last before it), not the one it quoted in play.
    home_row = page.locator("#prices tbody tr").filter(has_text=HOME).first
    assert decimal_text(price_at("pinnacle", H2H, Decimal(0), HOME, 3)) in home_row.inner_text()
    assert "1.40" not in home_row.inner_text()
    # Each chart ends at kick-off, each book's close marked there.
    h2h = page.locator("#line-h2h-0")
    assert h2h.locator("svg.movement").nth(0).locator("rect.closing").count() == 4  # three books and the fair price
    assert page.locator("#line-spreads-m0_5").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    if size == "phone":
        assert page.evaluate(TOO_WIDE) == []
    assert SPREADS in page.locator("#line-spreads-m0_5").get_attribute("data-market")
    context.close()
