"""Personal preferences: kept per user (every browser the bettor logs in from), used by every page and
read back by the bet form; bad values refused beside their field; the API stays decimal and UTC."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from bets.models import Bet
from opportunities.detection import detect
from opportunities.models import Opportunity
from opportunities.tests.factories import NOW, event_with, quotes
from web.models import Preferences
from web.preferences import rounded_stake

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def save(client: Client, **fields: str):
    values = {"odds_format": "decimal", "time_zone": "", "currency": "", "stake_rounding": "0.01", **fields}
    return client.post("/settings/preferences/", values)


def value_opportunity() -> Opportunity:
    # Pinnacle's fair price is 2.00 on both sides; bet365's Over at 2.50 is the value.
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "bet365": {"Over": 2.50, "Under": 1.60}}
    event_with("pref-1", quotes("Home", prices, market="totals", point=2.5), kickoff=NOW + timedelta(days=1))
    detect(now=NOW)
    return Opportunity.objects.get()


def test_preferences_are_kept_for_the_user_and_seen_from_another_browser(auth_client, user):
    assert (
        save(auth_client, odds_format="american", time_zone="Europe/London", currency="£", stake_rounding="5")[
            "Location"
        ]
        == "/settings/"
    )
    stored = Preferences.objects.get(user=user)
    assert (stored.odds_format, stored.time_zone, stored.currency, stored.stake_rounding) == (
        "american",
        "Europe/London",
        "£",
        Decimal("5.00"),
    )
    elsewhere = Client()
    elsewhere.force_login(user)  # a new session: nothing of the first one's
    page = elsewhere.get("/settings/").content.decode()
    assert '<option value="american" selected>' in page


def test_pages_show_odds_amounts_and_stakes_as_the_bettor_prefers(auth_client):
    opportunity = value_opportunity()
    assert opportunity.price == Decimal("2.500")
    decimal_page = auth_client.get("/opportunities/").content.decode()
    assert ">2.50<" in decimal_page
    save(auth_client, odds_format="american", currency="€", stake_rounding="5")
    american_page = auth_client.get("/opportunities/").content.decode()
    assert ">+150<" in american_page  # 2.50 is +150
    expected = rounded_stake(opportunity.suggested_stake, Decimal(5))
    assert expected % 5 == 0
    assert expected <= opportunity.suggested_stake
    assert f"€{expected:,.2f}" in american_page
    save(auth_client, odds_format="fractional")
    assert ">3/2<" in auth_client.get("/opportunities/").content.decode()


def test_the_bet_form_reads_a_price_in_the_bettors_format(auth_client):
    opportunity = value_opportunity()
    save(auth_client, odds_format="american")
    form = auth_client.get(f"/bets/new/?opportunity={opportunity.pk}").content.decode()
    assert 'value="+150"' in form  # the opportunity's price, offered as the bettor reads it
    assert "odds, e.g. +150 or -200" in form
    post = {
        "event": opportunity.event_id,
        "market": "totals",
        "outcome": "Over",
        "point": "2.5",
        "bookmaker": "bet365",
        "stake": "10",
        "opportunity": opportunity.pk,
    }
    refused = auth_client.post("/bets/new/", {**post, "price": "2.5"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    assert "&#x27;2.5&#x27;: American odds are +100 or more, or -100 or less" in refused.content.decode()
    assert not Bet.objects.exists()
    auth_client.post("/bets/new/", {**post, "price": "+140"}, HTTP_HX_REQUEST="true")
    assert Bet.objects.get().price == Decimal("2.400")


def test_times_are_shown_in_the_bettors_zone_with_its_name(auth_client):
    value_opportunity()  # kick-off 2026-11-25 12:00 UTC
    assert "Wed 25 Nov 12:00 UTC" in auth_client.get("/opportunities/").content.decode()
    save(auth_client, time_zone="America/New_York")
    assert "Wed 25 Nov 07:00 EST" in auth_client.get("/opportunities/").content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"stake_rounding": "0"}, "stake_rounding", "Ensure this value is greater than or equal to 0.01."),
        (
            {"stake_rounding": "1e3"},
            "stake_rounding",
            "&#x27;1e3&#x27; is in exponent notation: write the number in full",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice. Mars/Olympus is not one of the"),
        ({"odds_format": "hongkong"}, "odds_format", "Select a valid choice. hongkong is not one of the"),
        ({"currency": "EURO"}, "currency", "Ensure this value has at most 3 characters (it has 4)."),
    ],
)
def test_a_bad_preference_is_refused_beside_its_field_and_nothing_is_saved(auth_client, fields, field, message):
    response = save(auth_client, **fields)
    assert response.status_code == 422
    page = response.content.decode()
    label = page[page.index(f'for="id_{field}"') :]
    assert message in label[: label.index("</label>")]
    assert not Preferences.objects.exists()


def test_the_api_answers_decimal_odds_and_utc_whatever_the_bettor_prefers(auth_client):
    value_opportunity()
    save(auth_client, odds_format="american", time_zone="Asia/Tokyo")
    first = auth_client.get("/api/opportunities/").json()["results"][0]
    assert first["price"] == "2.500"
    assert first["commence_time"].endswith("Z")
