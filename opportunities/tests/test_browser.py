"""The opportunities page in a real Chromium, at desktop and phone widths: hide an opportunity and it
stays gone after a reload (and comes back from the hidden list), the numbers' explanations open on a
tap, nothing is wider than a 390 px screen and "Place bet" stays on it, the bet form opens in view.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta
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


def row_ids(page) -> list[int]:
    return [int(i.split("-")[1]) for i in page.locator("#results tbody tr").evaluate_all("r => r.map(e => e.id)")]


def furnish() -> tuple[int, int]:
    """A pending bet on the best opportunity's selection, and a previous visit between the others'
    detection and a later one's: the page then shows "Already bet" and one new. Their ids."""
    from django.contrib.auth import get_user_model

    from bets.services import BetInput, place_bet
    from opportunities.models import Opportunity
    from web.models import Preferences

    best, newest, *_ = Opportunity.objects.active().select_related("bookmaker").order_by("-edge", "-id")
    place_bet(
        bet=BetInput(
            event_id=best.event_id,
            market=best.market,
            outcome=best.outcome,
            point=best.point,
            bookmaker=best.bookmaker.key,
            price=best.price,
            stake=Decimal("5.00"),
        )
    )
    found = best.detected_at
    Opportunity.objects.active().update(detected_at=found)
    Opportunity.objects.filter(pk=newest.pk).update(detected_at=found + timedelta(seconds=10))
    bettor = get_user_model().objects.get(username="bettor")
    Preferences.objects.update_or_create(
        user=bettor, defaults={"opportunities_visited_at": found + timedelta(seconds=5)}
    )
    return best.pk, newest.pk


@pytest.mark.parametrize("size", list(SIZES))
def test_hide_an_opportunity_and_it_stays_gone_after_a_reload(page, live_server, size):
    from opportunities.models import HiddenOpportunity, Opportunity

    page.set_viewport_size(SIZES[size])
    already_bet, new = furnish()
    login(page, live_server)
    page.goto(f"{live_server.url}/opportunities/")
    assert page.locator(f"#opportunity-{already_bet} .badge.already-bet").inner_text() == "Already bet 5.00"
    assert page.locator(f"#opportunity-{new}.new .badge.new").inner_text() == "New"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"opportunities-working-{size}.png"), full_page=True)

    shown = row_ids(page)
    target = Opportunity.objects.select_related("bookmaker").get(pk=shown[1])
    page.evaluate("window.__still_here = true")
    page.locator(f"#opportunity-{target.pk} button:text-is('Hide')").click()
    page.wait_for_selector("#notice .notice")
    assert page.locator("#notice").inner_text().startswith(f"Hidden: {target.outcome}")
    page.wait_for_selector(f"#opportunity-{target.pk}", state="detached")  # the list refreshed itself
    assert page.locator("#hidden-count").inner_text() == "Hidden by you (1)"
    assert page.evaluate("window.__still_here") is True
    page.screenshot(path=str(ARTIFACTS / f"opportunities-hidden-notice-{size}.png"), full_page=True)

    page.reload()
    page.wait_for_selector("#results")
    assert target.pk not in row_ids(page)
    assert set(row_ids(page)) >= set(shown) - {target.pk}
    hidden = HiddenOpportunity.objects.get()
    assert (hidden.selection_id, hidden.bookmaker_id) == (target.selection_id, target.bookmaker_id)

    page.click("a:text-is('Hidden by you (1)')")
    page.wait_for_url(f"{live_server.url}/opportunities/hidden/")
    assert page.locator(f"#hidden-{hidden.pk}").inner_text().count(target.bookmaker.title) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    page.screenshot(path=str(ARTIFACTS / f"opportunities-hidden-list-{size}.png"), full_page=True)
    page.click(f"#hidden-{hidden.pk} button:text-is('Show again')")
    page.wait_for_selector("text=Nothing hidden.")
    page.goto(f"{live_server.url}/opportunities/")
    assert target.pk in row_ids(page)


@pytest.mark.parametrize("size", list(SIZES))
def test_nothing_scrolls_sideways_and_place_bet_stays_on_screen(page, live_server, size):
    viewport = SIZES[size]
    page.set_viewport_size(viewport)
    furnish()
    login(page, live_server)
    page.goto(f"{live_server.url}/opportunities/")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate(TOO_WIDE) == []
    buttons = page.locator("#results a.button:text-is('Place bet')")
    assert buttons.count() > 0
    for box in buttons.evaluate_all("l => l.map(b => b.getBoundingClientRect().toJSON())"):
        assert box["left"] >= 0
        assert box["right"] <= viewport["width"]
    page.screenshot(path=str(ARTIFACTS / f"opportunities-list-{size}.png"), full_page=True)

    # The bet form opens where the bettor can see it.
    buttons.first.click()
    page.wait_for_selector("#bet-form form")
    # htmx scrolls it to the top of the screen (show:top), to the pixel's fraction.
    page.wait_for_function(
        "() => { const top = document.querySelector('#bet-form').getBoundingClientRect().top;"
        " return top > -1 && top < window.innerHeight / 2; }"
    )


def test_the_explanations_open_on_a_tap(browser, live_server):
    from web.explanations import EXPLANATIONS

    context = browser.new_context(viewport=SIZES["phone"], has_touch=True, is_mobile=True)
    page = context.new_page()
    login(page, live_server)
    page.goto(f"{live_server.url}/opportunities/")
    legend = page.locator("#results .legend")
    edge = legend.locator("details.explain").first
    assert not edge.locator(".explain-text").is_visible()
    edge.locator("summary").tap()
    text = edge.locator(".explain-text")
    assert text.is_visible()
    assert text.inner_text() == EXPLANATIONS["edge"].text
    box = text.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= SIZES["phone"]["width"]
    assert box["y"] + box["height"] <= SIZES["phone"]["height"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "opportunities-explained-phone.png"))
    # Another one's tap opens it and closes the first; a tap elsewhere closes it too.
    kelly = legend.locator("details.explain").nth(2)
    kelly.locator("summary").tap()
    assert kelly.locator(".explain-text").inner_text() == EXPLANATIONS["kelly"].text
    assert not text.is_visible()
    page.locator("h1").tap()
    assert not kelly.locator(".explain-text").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]
    context.close()


def test_the_explanations_open_beside_the_column_heads(page, live_server):
    from web.explanations import EXPLANATIONS

    page.set_viewport_size(SIZES["desktop"])
    login(page, live_server)
    page.goto(f"{live_server.url}/opportunities/")
    assert not page.locator("#results .legend").is_visible()  # the heads carry them on a wide screen
    stake = page.locator("#results thead th").nth(5).locator("details.explain").first
    assert page.locator("#results thead th").nth(5).inner_text().startswith("Stake")
    available = page.locator("#results thead th").nth(5).locator("details.explain").nth(1).locator("summary")
    assert available.get_attribute("aria-label") == "What is the stake available?"
    summary = stake.locator("summary")
    assert summary.get_attribute("aria-label") == "What is the Kelly stake?"
    summary.focus()
    page.keyboard.press("Enter")
    assert stake.locator(".explain-text").inner_text() == EXPLANATIONS["kelly"].text
    box = stake.locator(".explain-text").bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= SIZES["desktop"]["width"]
    page.screenshot(path=str(ARTIFACTS / "opportunities-explained-desktop.png"))
    page.keyboard.press("Escape")
    assert not stake.locator(".explain-text").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["desktop"]["width"]
