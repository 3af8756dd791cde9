import re
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
import time_machine

from bets.models import Bet
from bets.services import add_ledger_entry, place_bet, settle_bet
from bets.tests.factories import BetInputFactory
from opportunities.detection import detect
from opportunities.models import Opportunity, Strategy
from opportunities.tests.factories import NOW, event_with, quotes
from web.models import Preferences

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """Bets are placed before the events' kick-off, a day after the fixtures' now."""
    with time_machine.travel(NOW, tick=False):
        yield


def value_events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.10 + i / 100, "Under": 1.70}}
        event_with(f"v{i}", quotes("Home", prices, market="totals", point=2.5))
    detect(now=NOW)


def test_api_lists_active_opportunities_by_edge(auth_client):
    value_events(3)
    body = auth_client.get("/api/opportunities/").json()
    assert body["count"] == 3
    edges = [Decimal(o["edge"]) for o in body["results"]]
    assert edges == sorted(edges, reverse=True)
    assert body["results"][0]["price"] == "2.120"
    assert body["results"][0]["fair_price"] == "2.000"
    top = auth_client.get("/api/opportunities/top/", {"n": 1}).json()
    assert [o["id"] for o in top] == [body["results"][0]["id"]]
    assert auth_client.get("/api/opportunities/top/", {"n": 0}).status_code == 400


def furnish(auth_client, user, n: int, start: int = 0) -> None:
    """``n`` more events with value, the first of them hidden by the bettor and bet on, after a visit."""
    value_events(n, start=start)
    first = Opportunity.objects.active().get(event__provider_id=f"v{start}")
    auth_client.post(f"/opportunities/{first.pk}/hide/")
    event = first.event
    place_bet(bet=BetInputFactory(event=event, market="totals", outcome="Over", point="2.5", bookmaker="bet365"))
    auth_client.get("/opportunities/")  # a visit: the next pages count what is new since


def test_api_lists_run_a_constant_number_of_queries(auth_client, user, django_assert_num_queries):
    furnish(auth_client, user, 2)
    counts = {"/api/opportunities/": 5, "/api/opportunities/top/": 4}  # the books' balances among them
    for path, count in counts.items():
        with django_assert_num_queries(count):
            auth_client.get(path)
    furnish(auth_client, user, 15, start=2)
    with django_assert_num_queries(counts["/api/opportunities/"]):
        assert auth_client.get("/api/opportunities/").json()["count"] == 17
    with django_assert_num_queries(counts["/api/opportunities/top/"]):
        assert len(auth_client.get("/api/opportunities/top/").json()) == 10


def test_api_filters(auth_client):
    value_events(3)
    assert auth_client.get("/api/opportunities/", {"min_edge": "0.055"}).json()["count"] == 2
    assert auth_client.get("/api/opportunities/", {"market": "h2h"}).json()["count"] == 0
    assert auth_client.get("/api/opportunities/", {"bookmaker": "bet365"}).json()["count"] == 3
    strategy = Strategy.objects.get(name="Pinnacle value")
    assert auth_client.get("/api/opportunities/", {"strategy": strategy.name}).json()["count"] == 3
    assert auth_client.get("/api/opportunities/", {"ordering": "nonsense"}).status_code == 400


def test_page_lists_with_filters_and_partial(auth_client, user, django_assert_num_queries):
    furnish(auth_client, user, 2)
    html = auth_client.get("/opportunities/").content.decode()
    assert "<h1>Opportunities</h1>" in html
    assert "Place bet" in html
    # The session, the user, their preferences, the books' balances, the rows, their count, the new
    # ones' count; the page also records the visit, counts the hidden ones, reads the surebets, their
    # bookmakers, and the filter bar's sports, bookmakers and strategies.
    with django_assert_num_queries(14):
        auth_client.get("/opportunities/", {"market": "totals"})
    with django_assert_num_queries(7):
        partial = auth_client.get("/opportunities/", {"market": "totals"}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<section id="results"')
    furnish(auth_client, user, 15, start=2)
    with django_assert_num_queries(7):
        partial = auth_client.get("/opportunities/", {"market": "totals"}, HTTP_HX_REQUEST="true")
    assert len(re.findall(r'<tr id="opportunity-', partial.content.decode())) == 17 - 2  # two hidden
    with django_assert_num_queries(14):
        auth_client.get("/opportunities/", {"market": "totals"})


def test_the_stake_already_on_a_selection_comes_off_the_suggested_stake(auth_client, user):
    """Pending bets on the selection, at any bookmaker, count; a settled one and another outcome's do
    not. What is left is never below 0, and the page rounds it down to the bettor's stake rounding."""
    add_ledger_entry(kind="deposit", amount="1000.00", at=NOW - timedelta(days=1))
    Preferences.objects.create(user=user, stake_rounding=Decimal("5"))
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.60, "Under": 1.70}}
    prices["williamhill"] = {"Over": 2.40, "Under": 1.75}
    event = event_with("e1", quotes("Home", prices, market="totals", point=2.5))
    detect(now=NOW)
    opportunity = Opportunity.objects.get(bookmaker__key="bet365", outcome="Over")
    suggested = opportunity.suggested_stake

    def bet(stake: str, *, outcome: str = "Over", bookmaker: str = "bet365") -> Bet:
        return place_bet(
            bet=BetInputFactory(
                event=event, market="totals", outcome=outcome, point="2.5", bookmaker=bookmaker, stake=stake
            )
        )

    bet("7.50")
    bet("4.25", bookmaker="williamhill")
    settle_bet(bet=bet("20.00"), status="lost")
    bet("9.00", outcome="Under")
    staked = Decimal("7.50") + Decimal("4.25")
    left = max(Decimal(0), suggested - staked)
    assert left > 5  # the rounding has something to round
    shown = (left / 5).to_integral_value(ROUND_DOWN) * 5

    html = auth_client.get("/opportunities/").content.decode()
    row = re.search(rf'<tr id="opportunity-{opportunity.pk}".*?</tr>', html, re.S).group(0)
    assert f'<span class="badge already-bet" data-already-staked="{staked}">Already bet {staked}</span>' in row
    assert f'<strong data-stake="{opportunity.pk}">{shown:.2f}</strong>' in row
    assert f'<span class="detail">{suggested} − {staked} bet</span>' in row
    api = {o["id"]: o for o in auth_client.get("/api/opportunities/").json()["results"]}[opportunity.pk]
    assert (api["already_staked"], api["remaining_stake"]) == (f"{staked}", f"{left}")
    form = auth_client.get("/bets/new/", {"opportunity": opportunity.pk}).content.decode()
    assert re.search(r'<input [^>]*name="stake" value="([^"]*)"', form).group(1) == f"{shown:.2f}"

    bet(f"{suggested}")  # more than what was left: nothing left, not less than nothing
    html = auth_client.get("/opportunities/").content.decode()
    assert f'<strong data-stake="{opportunity.pk}">0.00</strong>' in html
    api = {o["id"]: o for o in auth_client.get("/api/opportunities/").json()["results"]}[opportunity.pk]
    assert (api["already_staked"], api["remaining_stake"]) == (f"{staked + suggested}", "0.00")
    other = Opportunity.objects.get(bookmaker__key="williamhill", outcome="Over")
    assert f'<strong data-stake="{other.pk}">' in html  # the same selection at another book: the same bets
    assert (
        Decimal(
            {o["id"]: o for o in auth_client.get("/api/opportunities/").json()["results"]}[other.pk]["already_staked"]
        )
        == staked + suggested
    )


def test_strategy_settings_page_edits_a_strategy(auth_client):
    strategy = Strategy.objects.get(name="Pinnacle value")
    page = auth_client.get(f"/opportunities/strategies/{strategy.pk}/")
    assert 'name="min_edge"' in page.content.decode()
    form = {
        "name": "Pinnacle value",
        "active": "on",
        "reference_bookmaker": strategy.reference_bookmaker_id,
        "min_books": 3,
        "devig_method": "power",
        "min_edge": "0.035",
        "min_price": "1.5",
        "max_price": "8",
        "markets": "h2h, totals",
        "kelly_fraction": "0.5",
        "max_stake_share": "0.02",
        "min_minutes_before_kickoff": 10,
        "max_price_age_minutes": 90,
        "alert_min_edge": "",
        "alert_max_age_minutes": 30,
        "webhook_url": "",
    }
    assert auth_client.post(f"/opportunities/strategies/{strategy.pk}/", form).status_code == 302
    strategy.refresh_from_db()
    assert (strategy.devig_method, strategy.min_edge, strategy.markets) == ("power", Decimal("0.0350"), "h2h,totals")
    bad = auth_client.post(f"/opportunities/strategies/{strategy.pk}/", {**form, "markets": "corners"})
    assert "use h2h, spreads and/or totals (not corners)" in bad.content.decode()


def test_the_strategies_page_says_what_best_scoring_resolves_to(auth_client, django_assert_num_queries):
    from odds.tests.factories import SportFactory
    from stats.tests.factories import CalibrationFactory

    strategy = Strategy.objects.get(name="Pinnacle value")
    strategy.devig_method = "best"
    strategy.save()
    with django_assert_num_queries(7) as few:
        html = auth_client.get("/opportunities/strategies/").content.decode()
    assert "best-scoring (manage.py calibrate)" in html
    assert "no calibration stored: everywhere multiplicative" in html
    for key, title in [("soccer_epl", "EPL"), ("soccer_spl", "Premiership - Scotland")]:
        CalibrationFactory(sport=SportFactory(key=key, title=title), reference=strategy.reference_bookmaker)
    with django_assert_num_queries(len(few.captured_queries)):
        html = auth_client.get("/opportunities/strategies/").content.decode()
    link = "/stats/calibration/?sport=soccer_epl&amp;market=h2h&amp;reference=pinnacle&amp;at=closing"
    assert f'<a href="{link}">EPL h2h: power</a>' in html
    assert "Premiership - Scotland h2h: power</a><br>elsewhere multiplicative" in html
