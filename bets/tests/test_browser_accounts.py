"""In a real Chromium: a book's balance on the dashboard, a stake over it refused on the bet slip and
placed once confirmed, a limit capping the suggested stake, and the accounts page at both widths."""

from decimal import Decimal

import pytest

from bets.models import Bet
from bets.services import add_ledger_entry, record_limit
from odds.models import Bookmaker
from opportunities.models import Opportunity
from web.tests.test_browser import ARTIFACTS, SIZES, login, market, plain_static  # noqa: F401  # fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_balances_refusal_override_and_limits_in_the_browser(page, live_server, market):  # noqa: F811
    opportunity = Opportunity.objects.active().exclude(bookmaker__key="pinnacle").order_by("-edge").first()
    book = opportunity.bookmaker
    add_ledger_entry(kind="deposit", amount="5.00", bookmaker=book.key, note="a small account")
    limited = (
        Opportunity.objects.active()
        .exclude(bookmaker__in=[book.pk, Bookmaker.objects.get(key="pinnacle").pk])
        .filter(suggested_stake__gt=Decimal("2.00"))
        .order_by("-edge")
        .first()
    )
    other = limited.bookmaker
    record_limit(bookmaker=other, market="h2h", stake_accepted="2.00", stake_requested="40.00")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    login(page, live_server)
    assert page.locator(f'[data-balance="{book.key}"]').inner_text() == "5.00"

    # The slip is pre-filled with no more than the book holds; 50.00 there is refused, naming the book.
    page.goto(f"{live_server.url}/opportunities/")
    page.locator(f"#opportunity-{opportunity.pk} a.button").click()
    page.wait_for_selector("#bet-form form")
    assert Decimal(page.input_value("#id_stake")) <= Decimal("5.00")
    page.fill("#id_stake", "50.00")
    page.click("#bet-form button[type=submit]")
    page.wait_for_selector("#bet-form .errorlist")
    assert f"50.00 is more than the 5.00 {book.title} holds" in page.locator("#bet-form").inner_text()
    assert Bet.objects.count() == 0
    page.locator("#bet-form").screenshot(path=str(ARTIFACTS / "bet-over-balance-desktop.png"))
    page.check("#id_allow_over_balance")
    page.click("#bet-form button[type=submit]")
    page.wait_for_selector("#bet-form-card[role=status]")
    bet = Bet.objects.get()
    assert (bet.stake, bet.allow_over_balance) == (Decimal("50.00"), True)

    # A limited book's opportunities suggest at most its limit, and say why.
    page.goto(f"{live_server.url}/opportunities/?ordering=edge&bookmaker={other.key}")
    assert page.locator(f'[data-capped="{limited.pk}"]').inner_text() == (
        f"{other.title}'s limit, of {limited.suggested_stake}"
    )
    assert page.locator(f'[data-stake="{limited.pk}"]').inner_text() == "2.00"

    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in {"accounts": "/bets/accounts/", "dashboard-balances": "/"}.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"] + 1, f"{name} scrolls sideways at {size} width ({width}px)"
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=True)
    page.goto(f"{live_server.url}/bets/accounts/")
    assert page.locator(f"#limits-{other.key}").inner_text() == f"{other.title} accepts at most 2.00 now"
    assert page.locator(f'[data-balance="{book.key}"]').inner_text() == "−45.00"  # 5.00 held, 50.00 pending
