"""The stake available at an opportunity's book (its Kelly stake capped at the book's limit and
balance), and the ranking by the profit expected at that stake."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from bets.services import add_ledger_entry, place_bet
from bets.tests.factories import BetInputFactory
from odds.models import Bookmaker
from odds.tests.factories import BookmakerFactory
from opportunities.detection import detect
from opportunities.models import Opportunity
from opportunities.tests.factories import NOW, OpportunityFactory, event_with, quotes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def listed(auth_client, **params) -> list[dict]:
    return auth_client.get("/api/opportunities/", params).json()["results"]


def test_a_limit_lowers_the_suggested_stake_everywhere_it_is_shown(auth_client):
    add_ledger_entry(kind="deposit", amount="1000.00", at=NOW - timedelta(days=1))
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.60, "Under": 1.70}}
    event = event_with("e1", quotes("Home", prices, market="totals", point=2.5))
    detect(now=NOW)
    opportunity = Opportunity.objects.get(bookmaker__key="bet365", outcome="Over")
    kelly = opportunity.suggested_stake
    assert kelly > Decimal("7.00")  # the limit below is lower
    [api] = listed(auth_client)
    assert (api["remaining_stake"], api["max_stake"]) == (f"{kelly}", None)

    # Bet365 took 7.00 of the 70.00 asked for on another bet: its maximum from then on.
    place_bet(
        bet=BetInputFactory(
            event=event, market="totals", outcome="Under", point="2.5", stake="7.00", stake_requested="70"
        )
    )

    [api] = listed(auth_client)
    assert (api["remaining_stake"], api["max_stake"], api["suggested_stake"]) == ("7.00", "7.00", f"{kelly}")
    assert api["expected_profit"] == f"{(opportunity.edge * Decimal('7.00')).quantize(Decimal('0.01'))}"
    html = auth_client.get("/opportunities/").content.decode()
    title = Bookmaker.objects.get(key="bet365").title
    assert f'<strong data-stake="{opportunity.pk}">7.00</strong>' in html
    assert f'<span class="detail capped" data-capped="{opportunity.pk}">{title}\'s limit, of {kelly}</span>' in html
    form = auth_client.get("/bets/new/", {"opportunity": opportunity.pk}).content.decode()
    assert re.search(r'<input [^>]*name="stake" value="([^"]*)"', form).group(1) == "7.00"


def test_what_the_book_holds_caps_the_suggested_stake(auth_client):
    add_ledger_entry(kind="deposit", amount="1000.00", at=NOW - timedelta(days=1))
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.60, "Under": 1.70}}
    event_with("e1", quotes("Home", prices, market="totals", point=2.5))
    detect(now=NOW)
    opportunity = Opportunity.objects.get(bookmaker__key="bet365", outcome="Over")
    add_ledger_entry(kind="deposit", amount="3.50", bookmaker="bet365")
    [api] = listed(auth_client)
    assert (api["remaining_stake"], api["book_balance"]) == ("3.50", "3.50")
    html = auth_client.get("/opportunities/").content.decode()
    title = Bookmaker.objects.get(key="bet365").title
    detail = (
        f'<span class="detail capped" data-capped="{opportunity.pk}">held at {title}, of {opportunity.suggested_stake}'
    )
    assert detail in html
    add_ledger_entry(kind="withdrawal", amount="10.00", bookmaker="bet365")  # overdrawn: nothing to stake
    [api] = listed(auth_client)
    assert (api["remaining_stake"], api["book_balance"], api["expected_profit"]) == ("0.00", "0.00", "0.00")


def test_opportunities_rank_by_the_profit_expected_at_the_stake_available(auth_client):
    """By hand: edge × min(Kelly stake, the book's limit, its balance).

    | book    | price | fair p | edge | Kelly | limit | balance | available | expected |
    | limited | 2.200 | 0.5    | 0.10 | 20.00 | 5.00  | –       | 5.00      | 0.50     |
    | open    | 2.080 | 0.5    | 0.04 | 30.00 | –     | –       | 30.00     | 1.20     |
    | funded  | 2.120 | 0.5    | 0.06 | 25.00 | –     | 10.00   | 10.00     | 0.60     |
    """
    limited = OpportunityFactory(
        bookmaker=BookmakerFactory(key="limited", max_stake=Decimal("5.00")),
        price=Decimal("2.200"),
        suggested_stake=Decimal("20.00"),
    )
    opened = OpportunityFactory(
        bookmaker=BookmakerFactory(key="open"), price=Decimal("2.080"), suggested_stake=Decimal("30.00")
    )
    funded = OpportunityFactory(
        bookmaker=BookmakerFactory(key="funded"), price=Decimal("2.120"), suggested_stake=Decimal("25.00")
    )
    add_ledger_entry(kind="deposit", amount="10.00", bookmaker="funded")
    assert [o.edge for o in (limited, opened, funded)] == [Decimal("0.10000"), Decimal("0.04000"), Decimal("0.06000")]

    ranked = [(o["id"], o["remaining_stake"], o["expected_profit"]) for o in listed(auth_client)]
    assert ranked == [(opened.pk, "30.00", "1.20"), (funded.pk, "10.00", "0.60"), (limited.pk, "5.00", "0.50")]
    assert [o["id"] for o in listed(auth_client, ordering="expected_profit")] == [opened.pk, funded.pk, limited.pk]
    assert [o["id"] for o in listed(auth_client, ordering="edge")] == [limited.pk, funded.pk, opened.pk]
    top = auth_client.get("/api/opportunities/top/", {"n": 2}).json()
    assert [o["id"] for o in top] == [opened.pk, funded.pk]
    html = auth_client.get("/opportunities/").content.decode()
    assert re.findall(r'<tr id="opportunity-(\d+)"', html) == [str(o.pk) for o in (opened, funded, limited)]
    assert f'<span class="detail" data-expected="{opened.pk}">expected +1.20</span>' in html
    assert re.search(r'<option value="expected_profit"[^>]*>Expected profit</option>', html)
