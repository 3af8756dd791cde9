"""The odds screen in a real Chromium, at desktop and phone widths: the best price of a line marked, a
price opening the bet slip filled with it (and the bet placed from it), the explanations opening on a
tap, and at 390 px nothing wider than the screen. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from decimal import Decimal

import pytest

from web.tests.test_browser import ARTIFACTS, SIZES, login, market, plain_static  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("market")]

# Every element of the page whose box leaves the viewport sideways, or that scrolls sideways itself.
TOO_WIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
    const box = e.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    const style = getComputedStyle(e);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
    return box.left < -0.5 || box.right > window.innerWidth + 0.5 || scrolls;
}).map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)"""


def decimal_text(price: Decimal) -> str:
    """Decimal odds as the bettor's default format shows them: two places, three when the third matters."""
    text = f"{price:.3f}"
    return text[:-1] if text.endswith("0") else text


def in_view(page, selector: str) -> bool:
    """Its top on screen, to the pixel's fraction htmx's scroll may leave above it."""
    return page.evaluate(
        "s => { const b = document.querySelector(s).getBoundingClientRect();"
        " return b.top > -1 && b.top < window.innerHeight; }",
        selector,
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_a_price_on_the_odds_screen_opens_the_slip_filled_with_it(page, live_server, size):
    from bets.models import Bet
    from odds.models import Price

    viewport = SIZES[size]
    page.set_viewport_size(viewport)
    login(page, live_server)
    page.click("header.top nav a:text-is('Odds')")
    page.wait_for_url(f"{live_server.url}/odds/")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"odds-screen-{size}.png"), full_page=True)

    # The best price of each outcome is marked, and it pays the most any bookmaker offers for it: the
    # highest price net of commission (the demo's exchange takes 5% of net winnings).
    def paid(selection: str, book: str) -> Decimal:
        price = Price.objects.select_related("bookmaker", "selection").get(
            selection_id=int(selection), bookmaker_id=int(book)
        )
        return price.net_price or price.price

    rows = page.locator("table.odds-line tbody tr")
    assert rows.count() > 0
    for index in range(min(rows.count(), 6)):
        row = rows.nth(index)
        prices = [paid(*i.split("-")[1:]) for i in row.locator("a.price").evaluate_all("l => l.map(a => a.id)")]
        best = row.locator("td.best a.price")
        assert best.count() >= 1
        assert best.first.locator(".best-mark").is_visible()
        assert paid(*best.first.get_attribute("id").split("-")[1:]) == max(prices)

    # At 390 px nothing on the screen is wider than the viewport, nor scrolls sideways inside a card.
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.evaluate(TOO_WIDE) == []
        explain = page.locator(".odds-legend details.explain").first
        explain.locator("summary").click()
        assert explain.locator(".explain-text").is_visible()
        assert page.evaluate(TOO_WIDE) == []
        page.screenshot(path=str(ARTIFACTS / "odds-screen-explained-phone.png"))
        explain.locator("summary").click()

    # A price further down opens the slip, filled with that price, and in view.
    link = page.locator("table.odds-line a.price").nth(5)
    selection, book = (int(part) for part in link.get_attribute("id").split("-")[1:])
    price = Price.objects.select_related("selection__event", "bookmaker").get(selection_id=selection, bookmaker_id=book)
    link.scroll_into_view_if_needed()
    page.evaluate("window.__still_here = true")
    link.click()
    page.wait_for_selector("#bet-form form")
    assert in_view(page, "#bet-form-card")
    chosen = price.selection
    assert page.input_value("#id_event") == str(chosen.event_id)
    assert page.input_value("#id_market") == chosen.market
    assert page.input_value("#id_outcome") == chosen.outcome
    assert page.input_value("#id_point") == ("" if chosen.market == "h2h" else str(chosen.point))
    assert page.input_value("#id_bookmaker") == price.bookmaker.key
    assert page.input_value("#id_price") == decimal_text(price.price)
    page.screenshot(path=str(ARTIFACTS / f"odds-screen-slip-{size}.png"))
    if size == "phone":
        assert page.evaluate(TOO_WIDE) == []

    # Placing it records that price at that bookmaker, without leaving the screen.
    page.fill("#id_stake", "10.00")
    page.click("#bet-form button[type=submit]")
    page.wait_for_selector("#bet-form-card[role=status]")
    assert page.evaluate("window.__still_here") is True
    bet = Bet.objects.get()
    placed = (bet.event_id, bet.market, bet.outcome, bet.bookmaker_id, bet.price, bet.stake)
    assert placed == (chosen.event_id, chosen.market, chosen.outcome, book, price.price, Decimal("10.00"))


def test_the_screen_refreshes_itself_and_follows_its_filters(page, live_server):
    from odds.models import Event

    login(page, live_server)
    page.goto(f"{live_server.url}/odds/")
    page.evaluate("window.__still_here = true")
    page.select_option("select[name=market]", "totals")
    page.wait_for_url(f"{live_server.url}/odds/?*market=totals*")
    page.wait_for_function(
        "() => [...document.querySelectorAll('table.odds-line')].every(t => t.dataset.market === 'totals')"
    )
    assert page.locator("table.odds-line").count() > 0
    # Bookmakers chosen in the filter bar: their prices alone.
    page.click(".book-choice summary")
    page.check(".book-choice input[value=bet365]")
    page.wait_for_url(f"{live_server.url}/odds/?*bookmaker=bet365*")
    page.wait_for_function(
        "() => [...document.querySelectorAll('table.odds-line a.price .book')].every(b => b.textContent === 'Bet365')"
    )
    assert page.locator("table.odds-line a.price").count() > 0
    assert page.locator("[data-books-shown]").inner_text() == "prices of bet365"
    page.uncheck(".book-choice input[value=bet365]")
    page.wait_for_function("() => !location.search.includes('bookmaker=')")
    page.select_option("select[name=sort]", "edge")
    page.wait_for_url(f"{live_server.url}/odds/?*sort=edge*")
    page.wait_for_selector("[data-best-edge]")
    edges = page.locator("[data-best-edge]").all_inner_texts()
    numbers = [Decimal(e.replace("−", "-").rstrip("%")) for e in edges]
    assert numbers == sorted(numbers, reverse=True)
    assert page.evaluate("window.__still_here") is True
    # Every 60 s (or at "Refresh now") the events are fetched again, with the filters chosen.
    screen = page.locator("#screen")
    assert screen.get_attribute("hx-trigger") == "every 60s"
    assert "market=totals" in screen.get_attribute("hx-get")
    with page.expect_response(lambda r: "market=totals" in r.url and r.request.headers.get("hx-request") == "true"):
        page.click("#screen a:text-is('Refresh now')")
    page.wait_for_selector("#screen table.odds-line")
    assert page.evaluate("window.__still_here") is True
    first = page.locator("article.event-card").first.get_attribute("id")
    assert Event.objects.filter(pk=int(first.removeprefix("event-")), completed=False).exists()
