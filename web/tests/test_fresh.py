"""Pages and API answers are served fresh: the view right after a write shows it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from bets.models import Bet
from bets.services import add_ledger_entry, place_bet, settle_bet
from bets.tests.factories import BetInputFactory
from opportunities.detection import detect
from opportunities.models import Opportunity
from opportunities.tests.factories import NOW, event_with, h2h_event, quotes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_data_version_triggers_are_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'monps_version%'")
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'monps_raise_version'")
        assert cursor.fetchone() == (0,)
        cursor.execute("SELECT to_regclass('monps_dataversion'), to_regclass('monps_dataversion_seq')")
        assert cursor.fetchone() == (None, None)


def test_a_placed_then_settled_bet_shows_on_the_next_view(auth_client):
    event = h2h_event("f1", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, home="Arsenal", away="Chelsea")
    add_ledger_entry(kind="deposit", amount="100.00")
    assert "0 bets (0 pending)" in auth_client.get("/bets/").content.decode()
    assert 'data-figure="exposure">0.00<' in auth_client.get("/").content.decode()
    assert auth_client.get("/api/bets/").json()["count"] == 0
    assert auth_client.get("/api/stats/bankroll/").json()["exposure"] == "0.00"

    bet = place_bet(bet=BetInputFactory(event=event, placed_at=NOW))
    bets_page = auth_client.get("/bets/").content.decode()
    assert "1 bets (1 pending) · staked 10.00" in bets_page
    assert f'<tr id="bet-{bet.pk}">' in bets_page
    dashboard = auth_client.get("/").content.decode()
    assert 'data-figure="exposure">10.00<' in dashboard
    assert "Arsenal v Chelsea<br>" in dashboard  # active bets
    listed = auth_client.get("/api/bets/").json()
    assert listed["count"] == 1
    assert (listed["results"][0]["id"], listed["results"][0]["stake"], listed["results"][0]["price"]) == (
        bet.pk,
        "10.00",
        "2.100",
    )
    assert auth_client.get("/api/stats/bankroll/").json()["exposure"] == "10.00"

    settle_bet(bet=Bet.objects.get(pk=bet.pk), status="won")
    assert '1 bets (0 pending) · staked 10.00 · profit <span class="pos">+11.00</span>' in (
        auth_client.get("/bets/").content.decode()
    )
    assert 'data-figure="roi">+11.0%<' in auth_client.get("/").content.decode()
    assert '<div class="value pos">+11.00</div>' in auth_client.get("/stats/").content.decode()
    assert auth_client.get("/api/stats/global/").json()["profit"] == "11.00"
    assert auth_client.get("/api/bets/").json()["results"][0]["profit"] == "11.00"


def test_an_ingested_price_shows_on_the_next_view(auth_client, clock):
    prices = {"pinnacle": {"H": 2.0, "D": 3.6, "A": 4.0}, "bet365": {"H": 2.125, "D": 3.4, "A": 3.8}}
    event = h2h_event("f2", prices, home="Arsenal", away="Chelsea")
    assert ">2.125</a>" in auth_client.get(f"/events/{event.pk}/").content.decode()
    auth_client.get("/api/odds/matches/")
    auth_client.get(f"/api/odds/history/{event.pk}/")

    clock.move_to(NOW + timedelta(minutes=10))
    later = NOW + timedelta(minutes=10)
    prices["bet365"]["H"] = 2.375
    h2h_event("f2", prices, home="Arsenal", away="Chelsea", observed_at=later, collected_at=later)

    page = auth_client.get(f"/events/{event.pk}/").content.decode()
    assert ">2.375</a>" in page
    assert ">2.125</a>" not in page
    partial = auth_client.get(f"/events/{event.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert ">2.375</a>" in partial
    match = auth_client.get("/api/odds/matches/").json()["results"][0]
    best = next(b for b in match["best_prices"] if b["outcome"] == "Arsenal")
    assert (best["price"], best["bookmaker"]) == ("2.375", "bet365")
    series = auth_client.get(f"/api/odds/history/{event.pk}/", {"market": "h2h"}).json()["series"]
    bet365 = next(s for s in series if s["bookmaker"] == "bet365" and s["outcome"] == "Arsenal")
    assert [p["price"] for p in bet365["points"]] == ["2.125", "2.375"]


def test_a_detected_opportunity_shows_on_the_next_view(auth_client):
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.10, "Under": 1.70}}
    event_with("f3", quotes("Home", prices, market="totals", point=2.5))
    assert "No active opportunities match." in auth_client.get("/opportunities/").content.decode()
    assert "No value right now." in auth_client.get("/").content.decode()
    assert auth_client.get("/api/opportunities/").json()["count"] == 0
    assert auth_client.get("/api/opportunities/top/").json() == []

    detect(now=NOW)
    opportunity = Opportunity.objects.active().get()
    assert (opportunity.outcome, opportunity.price, opportunity.edge) == ("Over", Decimal("2.100"), Decimal("0.05"))
    listed = auth_client.get("/opportunities/").content.decode()
    assert f'<tr id="opportunity-{opportunity.pk}">' in listed
    assert '<td class="num pos" data-label="Edge">+5.0%</td>' in listed
    partial = auth_client.get("/opportunities/", HTTP_HX_REQUEST="true").content.decode()
    assert f'<tr id="opportunity-{opportunity.pk}">' in partial
    assert '<td class="num pos">+5.0%</td>' in auth_client.get("/").content.decode()
    body = auth_client.get("/api/opportunities/").json()
    assert body["count"] == 1
    assert (body["results"][0]["id"], body["results"][0]["price"]) == (opportunity.pk, "2.100")
    assert [o["id"] for o in auth_client.get("/api/opportunities/top/").json()] == [opportunity.pk]
