"""The bet slip in a real Chromium, at desktop and phone widths: a bet placed from the odds screen, from
an event page and from the bets page through the event search, each appearing in active bets without a
reload; a rejected stake, a missing started flag, a bad outcome and no event each shown beside its field;
American odds shown in the slip and a bet typed in them accepted; at 390 px nothing on the bets page wider
than the screen or scrolling sideways, even inside a card. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from web.odds_format import decimal_text
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
# The document and every card, each as wide as it shows: none scrolls sideways.
CARDS_FIT = """() => [document.documentElement, ...document.querySelectorAll('.card')]
    .filter(e => e.scrollWidth > e.clientWidth)
    .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)"""


@pytest.fixture(autouse=True)
def clock():
    """The live server keeps the real time (the bets tests' clock stands still): the browser's is real."""
    return


def shot(page, name: str, size: str, *, full: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"slip-{name}-{size}.png"), full_page=full)


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        "s => { const b = document.querySelector(s).getBoundingClientRect();"
        " return b.top > -1 && b.top < window.innerHeight; }",
        selector,
    )


def text(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


def settled(page) -> None:
    """Until htmx has no request in flight and has set up what it swapped in (as a person's next move
    would find it: a few milliseconds later)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def place(page) -> None:
    page.click("#bet-form-card button.slip-place")
    page.wait_for_selector("#bet-form-card[role=status]")
    settled(page)


def error_beside(page, field: str) -> str:
    """The error shown beside a field of the slip (the event's beside the event search)."""
    error = page.locator(f"#field-{field} #id_{field}_error")
    error.wait_for()
    settled(page)
    return error.inner_text()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_bet_from_the_odds_screen_shows_the_price_s_value_as_it_is_typed(page, live_server, size):
    from bets.models import Bet
    from odds.models import Price

    page.set_viewport_size(SIZES[size])
    login(page, live_server)
    page.goto(f"{live_server.url}/odds/")
    page.evaluate("window.__still_here = true")
    # A price with an edge, so that Kelly stakes something.
    link = page.locator("table.odds-line a.price:has(.edge.pos)").first
    selection, book = (int(part) for part in link.get_attribute("id").split("-")[1:])
    price = Price.objects.select_related("selection__event", "bookmaker").get(selection_id=selection, bookmaker_id=book)
    edge_shown = link.locator(".edge").inner_text()
    fair_shown = link.locator("xpath=ancestor::tr/td[contains(@class, 'fair')]").inner_text().replace("Fair", "")
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_selector("#bet-form form")
    settled(page)
    assert in_view(page, "#bet-form-card")
    event = price.selection.event
    assert text(page, ".slip-event-name") == f"{event.home_team} v {event.away_team}"
    # The slip values the price as the screen does: the same fair price and edge.
    assert text(page, "[data-slip=fair]") == fair_shown.strip()
    assert text(page, "[data-slip=edge]") == edge_shown
    kelly = text(page, "[data-slip=kelly]")
    assert re.fullmatch(r"\d+\.\d\d", kelly.replace(",", "")), kelly
    assert Decimal(kelly.replace(",", "")) > 0

    # "Use" fills the Kelly stake; the figures follow what is typed.
    page.click("#slip-value button[data-fill]")
    assert page.input_value("#id_stake") == kelly.replace(",", "")
    to_win = (Decimal(kelly.replace(",", "")) * (price.price - 1)).quantize(Decimal("0.01"))
    page.wait_for_function(
        "w => document.querySelector('[data-slip=summary]').innerText.includes('to win ' + w)", arg=f"{to_win:,.2f}"
    )
    settled(page)  # the stake's preview swapped in before the price is typed
    higher = price.price + Decimal("0.5")
    page.fill("#id_price", f"{higher:.2f}")
    page.wait_for_function("e => document.querySelector('[data-slip=edge]').innerText !== e", arg=edge_shown)
    assert text(page, "[data-slip=fair]") == fair_shown.strip()  # the fair price stays: it is the line's
    shot(page, "odds-screen", size, full=False)
    page.fill("#id_price", f"{price.price:.3f}")
    page.fill("#id_stake", "10.00")
    place(page)
    assert page.evaluate("window.__still_here") is True
    bet = Bet.objects.get()
    placed = (bet.selection_id, bet.bookmaker_id, bet.price, bet.stake)
    assert placed == (selection, book, price.price, Decimal("10.00"))
    assert page.locator(f'#bet-form-card a[href="/bets/{bet.pk}/"]').is_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_bet_from_the_event_page(page, live_server, size):
    from bets.models import Bet
    from odds.models import Event

    page.set_viewport_size(SIZES[size])
    event = Event.objects.filter(commence_time__gt=timezone.now()).order_by("commence_time").first()
    login(page, live_server)
    page.goto(f"{live_server.url}/events/{event.pk}/")
    page.evaluate("window.__still_here = true")
    link = page.locator("table.event-prices a.price").nth(4)
    shown = link.inner_text()
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_selector("#bet-form form")
    settled(page)
    assert in_view(page, "#bet-form-card")
    assert text(page, ".slip-event-name") == f"{event.home_team} v {event.away_team}"
    assert page.input_value("#id_price") == shown  # decimal odds, as the grid shows them
    assert text(page, "[data-slip=fair]") != "–"
    page.fill("#id_stake", "12.50")
    shot(page, "event-page", size, full=False)
    place(page)
    assert page.evaluate("window.__still_here") is True
    bet = Bet.objects.get()
    assert (bet.event_id, bet.stake, decimal_text(bet.price)) == (event.pk, Decimal("12.50"), shown)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_bet_from_the_bets_page_through_the_event_search(page, live_server, size):
    from bets.models import Bet
    from odds.models import Event, Price

    page.set_viewport_size(SIZES[size])
    event = Event.objects.filter(commence_time__gt=timezone.now()).order_by("commence_time").first()
    login(page, live_server)
    page.goto(f"{live_server.url}/bets/")
    page.evaluate("window.__still_here = true")
    assert "No bets yet" in text(page, "#bets")
    page.fill("#slip-search", event.away_team[:5].lower())
    result = page.locator(f"#event-results a[data-event='{event.pk}']")
    result.wait_for()
    assert f"{event.home_team} v {event.away_team}" in result.inner_text()
    shot(page, "search", size, full=False)
    result.click()
    page.wait_for_selector(".slip-event-name")
    settled(page)
    assert text(page, ".slip-event-name") == f"{event.home_team} v {event.away_team}"
    # The slip opens on the home side's best match-result price.
    prices = Price.objects.filter(selection__event=event, bookmaker__is_aggregate=False).select_related("bookmaker")
    home = prices.filter(selection__market="h2h", selection__outcome=event.home_team).order_by("-price").first()
    assert (page.input_value("#id_market"), page.input_value("#id_outcome")) == ("h2h", event.home_team)
    assert Decimal(page.input_value("#id_price")) == home.price
    assert page.locator("#id_point").is_disabled()  # no line in a match result
    # The totals: their main line, Over, at the same bookmaker (it quotes it), at its price there.
    book = page.input_value("#id_bookmaker")
    page.select_option("#id_market", "totals")
    page.wait_for_function("() => document.querySelector('#id_outcome').value === 'Over'")
    settled(page)
    point = Decimal(page.input_value("#id_point"))
    totals = prices.filter(selection__market="totals", selection__point=point)
    assert page.input_value("#id_bookmaker") == book
    assert Decimal(page.input_value("#id_price")) == totals.get(selection__outcome="Over", bookmaker__key=book).price
    # Under instead: its price at that book, on the same line; another bookmaker: its price.
    page.fill("#id_outcome", "Under")
    page.locator("#id_outcome").dispatch_event("change")
    under = totals.get(selection__outcome="Under", bookmaker__key=book)
    page.wait_for_function("p => document.querySelector('#id_price').value === p", arg=decimal_text(under.price))
    settled(page)
    best = totals.filter(selection__outcome="Under").order_by("-price", "bookmaker__title").first()
    other = totals.filter(selection__outcome="Under").exclude(bookmaker__key=book).order_by("-price").first()
    assert (
        page.locator(f"#id_bookmaker option[value={best.bookmaker.key}]")
        .inner_text()
        .endswith(decimal_text(best.price))
    )
    page.select_option("#id_bookmaker", other.bookmaker.key)
    page.wait_for_function("p => document.querySelector('#id_price').value === p", arg=decimal_text(other.price))
    under = other
    page.fill("#id_stake", "7")
    shot(page, "bets-page", size)
    place(page)
    bet = Bet.objects.get()
    assert (bet.market, bet.outcome, bet.point, bet.price, bet.stake) == (
        "totals",
        "Under",
        point,
        under.price,
        Decimal("7.00"),
    )
    # Without a reload: the bet heads the list, the exposure counts it.
    page.wait_for_selector(f"#bets #bet-{bet.pk}")
    page.wait_for_function("() => document.querySelector('[data-figure=exposure]').innerText.trim() === '7.00'")
    assert "1 bets (1 pending)" in text(page, "#bet-totals")
    # An inline settle refreshes the totals line and the bankroll too.
    page.select_option(f"#bet-{bet.pk} select[name=status]", "lost")
    page.click(f"#bet-{bet.pk} button[type=submit]")
    page.wait_for_function("() => document.querySelector('#bet-totals').innerText.includes('1 bets (0 pending)')")
    page.wait_for_function("() => document.querySelector('[data-figure=exposure]').innerText.trim() === '0.00'")
    assert "profit −7.00" in text(page, "#bet-totals")
    assert page.evaluate("window.__still_here") is True
    # The dashboard: every bet is settled, none is active.
    page.goto(f"{live_server.url}/")
    assert "No active bets" in text(page, "#active-bets")


@pytest.fixture
def started_event():
    """An event that kicked off an hour ago, with prices."""
    from opportunities.tests.factories import h2h_event

    prices = {"pinnacle": {"H": 2.0, "D": 3.5, "A": 4.1}, "bet365": {"H": 2.1, "D": 3.4, "A": 3.9}}
    kickoff = timezone.now() - timedelta(hours=1)
    return h2h_event("late", prices, home="Lateham", away="Startford", kickoff=kickoff, observed_at=kickoff)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_refusal_shows_beside_its_field(page, live_server, size, started_event):
    from bets.models import Bet

    page.set_viewport_size(SIZES[size])
    login(page, live_server)
    page.goto(f"{live_server.url}/bets/new/")
    # No event chosen.
    page.fill("#id_stake", "10")
    place_button = page.locator("#bet-form-card button.slip-place")
    place_button.click()
    assert error_beside(page, "event") == "Choose the event: search by team or league."
    # An event that has started, without the started flag.
    page.fill("#slip-search", "lateham")
    page.locator("#event-results a[data-event]").first.click()
    page.wait_for_selector(".slip-event-name")
    settled(page)
    assert page.locator("#field-event .badge").inner_text() == "started"
    page.fill("#id_stake", "10")
    place_button.click()
    assert "needs the started flag (allow_started) to be entered late" in error_beside(page, "event")
    assert in_view(page, "#id_event_error")
    shot(page, "started", size, full=False)
    # A stake above the limit, and a bad outcome: each beside its own field.
    page.check("#id_allow_started")
    page.fill("#id_outcome", "Spurs")
    page.fill("#id_stake", "20000")
    place_button.click()
    assert error_beside(page, "stake") == "20000 is above the limit of 10000.00 (MONPS_MAX_STAKE)"
    outcome = error_beside(page, "outcome")
    assert outcome == "'Spurs' is not an outcome of h2h for Lateham v Startford: Lateham, Draw, Startford"
    assert page.locator("#field-event .errorlist").count() == 0
    shot(page, "errors", size)
    # Put right, it is placed, with the flag.
    page.fill("#id_outcome", "Draw")
    page.fill("#id_stake", "10")
    place_button.click()
    page.wait_for_selector("#bet-form-card[role=status]")
    bet = Bet.objects.get()
    assert (bet.event_id, bet.outcome, bet.stake) == (started_event.pk, "Draw", Decimal("10.00"))


@pytest.mark.parametrize("size", list(SIZES))
def test_american_odds_in_the_slip_and_a_bet_typed_in_them(page, live_server, size):
    from bets.models import Bet
    from odds.models import Price
    from web.odds_format import american

    page.set_viewport_size(SIZES[size])
    login(page, live_server)
    page.goto(f"{live_server.url}/settings/")
    page.select_option("#id_odds_format", "american")
    page.click("#preferences button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/odds/")
    link = page.locator("table.odds-line a.price").nth(2)
    selection, book = (int(part) for part in link.get_attribute("id").split("-")[1:])
    price = Price.objects.get(selection_id=selection, bookmaker_id=book).price
    link.click()
    page.wait_for_selector("#bet-form form")
    settled(page)
    assert page.input_value("#id_price") == american(price)
    assert text(page, "#id_price_helptext") == "odds, e.g. +150 or -200"
    assert re.fullmatch(r"[+-]\d+", text(page, "[data-slip=fair]"))
    assert american(price) in text(page, "[data-slip=summary]")
    # A price typed in American odds; a decimal one is refused beside the field.
    page.fill("#id_price", "2.5")
    page.fill("#id_stake", "10")
    page.click("#bet-form-card button.slip-place")
    assert error_beside(page, "price") == "'2.5': American odds are +100 or more, or -100 or less"
    page.fill("#id_price", "+150")
    page.wait_for_function("() => document.querySelector('[data-slip=summary]').innerText.includes('+150')")
    shot(page, "american", size, full=False)
    place(page)
    assert Bet.objects.get().price == Decimal("2.500")
    assert "+150" in text(page, "#bet-form-card")


def test_the_bets_page_at_390_px_has_nothing_wider_than_the_screen(page, live_server):
    from bets.services import BetInput, place_bet, settle_bet
    from odds.models import Price

    upcoming = Price.objects.filter(bookmaker__key="williamhill", selection__event__commence_time__gt=timezone.now())
    for index, quote in enumerate(upcoming.select_related("selection")[:6]):
        s = quote.selection
        bet = place_bet(
            bet=BetInput(
                event_id=s.event_id,
                market=s.market,
                outcome=s.outcome,
                point=None if s.market == "h2h" else s.point,
                bookmaker="williamhill",
                price=quote.price,
                stake=Decimal("1234.56"),
                notes="a long note " * 10,
            )
        )
        if index % 2:
            settle_bet(bet=bet, status="won")
    page.set_viewport_size(SIZES["phone"])
    login(page, live_server)
    page.goto(f"{live_server.url}/bets/")
    assert page.locator("#bets tbody tr").count() == 6
    assert page.evaluate(CARDS_FIT) == []
    assert page.evaluate(TOO_WIDE) == []
    for box in page.locator("#bets button, #bet-form-card button").evaluate_all(
        "l => l.map(b => b.getBoundingClientRect().toJSON())"
    ):
        assert box["left"] >= 0
        assert box["right"] <= SIZES["phone"]["width"]
    shot(page, "bets-list", "phone")
    page.locator("#bets").scroll_into_view_if_needed()
    shot(page, "bets-cards", "phone", full=False)
    # With an event chosen and the figures shown, the slip still fits.
    page.fill("#slip-search", "demo")
    page.locator("#event-results a[data-event]").first.click()
    page.wait_for_selector(".slip-event-name")
    settled(page)
    page.fill("#id_stake", "10")
    page.wait_for_function("() => document.querySelector('[data-slip=summary]').innerText.includes('to win')")
    assert page.evaluate(CARDS_FIT) == []
    assert page.evaluate(TOO_WIDE) == []
    shot(page, "bets-slip", "phone")
