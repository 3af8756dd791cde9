"""Hiding an opportunity and the visits that mark new ones, through the page as a bettor does them."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from opportunities.detection import detect
from opportunities.models import HiddenOpportunity, Opportunity, Strategy
from opportunities.tests.factories import NOW, event_with, quotes
from web.models import Preferences
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def over_at(price: float, *, provider_id: str = "e1", at=NOW) -> None:
    """Over 2.5 at ``price`` at bet365 against Pinnacle's even 2.00/2.00 (fair 2.00), detected at ``at``."""
    prices = {"pinnacle": {"Over": 2.00, "Under": 2.00}, "williamhill": {"Over": 1.95, "Under": 1.85}}
    prices["bet365"] = {"Over": price, "Under": 1.70}
    event_with(provider_id, quotes("Home", prices, market="totals", point=2.5, observed_at=at), collected_at=at)
    detect(now=at)


def listed(client, **query) -> list[int]:
    html = client.get("/opportunities/", query).content.decode()
    return [int(pk) for pk in re.findall(r'<tr id="opportunity-(\d+)"', html)]


def refreshed(client) -> list[int]:
    html = client.get("/opportunities/", HTTP_HX_REQUEST="true").content.decode()
    return [int(pk) for pk in re.findall(r'<tr id="opportunity-(\d+)"', html)]


@pytest.fixture
def two_strategies():
    """Both default strategies find bet365's Over: two rows, one selection at one bookmaker."""
    Strategy.objects.filter(name="Consensus value").update(active=True, min_books=3, min_edge=Decimal("0.01"))


def test_a_hidden_price_stays_hidden_through_detection_and_reloads(auth_client, user, two_strategies):
    over_at(2.20)
    first = list(Opportunity.objects.active().filter(bookmaker__key="bet365").order_by("id"))
    assert len(first) == 2
    assert len({(o.selection_id, o.bookmaker_id) for o in first}) == 1
    assert set(listed(auth_client)) >= {o.pk for o in first}

    response = auth_client.post(f"/opportunities/{first[0].pk}/hide/", HTTP_HX_REQUEST="true")
    assert json.loads(response.headers["HX-Trigger"]) == {"opportunitiesChanged": {}}  # the list refreshes itself on it
    assert "Hidden: Over 2.5 in Home v Away at bet365." in response.content.decode()
    link = '<a id="hidden-count" href="/opportunities/hidden/" hx-swap-oob="true">Hidden by you (1)</a>'
    assert link in response.content.decode()  # the page's count, swapped in beside the notice
    hidden = HiddenOpportunity.objects.get()
    assert (hidden.user, hidden.selection_id, hidden.bookmaker.key) == (user, first[0].selection_id, "bet365")
    # Hidden for every strategy that finds it, on a reload and in the refreshed list.
    assert not {o.pk for o in first} & set(listed(auth_client))
    assert not {o.pk for o in first} & set(refreshed(auth_client))

    # Detection updates the rows in place at a new price: still hidden.
    over_at(2.30, at=NOW + timedelta(minutes=10))
    assert {o.pk for o in Opportunity.objects.active().filter(bookmaker__key="bet365")} == {o.pk for o in first}
    assert Opportunity.objects.get(pk=first[0].pk).price == Decimal("2.300")
    assert not {o.pk for o in first} & set(listed(auth_client))

    # The value goes (the rows expire) and comes back (new rows): still hidden.
    over_at(1.90, at=NOW + timedelta(minutes=20))
    assert not Opportunity.objects.active().filter(bookmaker__key="bet365").exists()
    over_at(2.25, at=NOW + timedelta(minutes=30))
    again = set(Opportunity.objects.active().filter(bookmaker__key="bet365").values_list("pk", flat=True))
    assert len(again) == 2
    assert not again & {o.pk for o in first}
    assert not again & set(listed(auth_client))

    # Only for this bettor; the API, read by scripts, lists them all.
    other = UserFactory()
    auth_client.force_login(other)
    assert again <= set(listed(auth_client))
    auth_client.force_login(user)
    api = {row["id"] for row in auth_client.get("/api/opportunities/").json()["results"]}
    assert again <= api


def test_hiding_without_javascript_returns_to_the_filtered_list(auth_client):
    over_at(2.20)
    opportunity = Opportunity.objects.active().get(bookmaker__key="bet365")
    back = "/opportunities/?market=totals"
    response = auth_client.post(f"/opportunities/{opportunity.pk}/hide/", {"next": back})
    assert (response.status_code, response.headers["Location"]) == (302, back)
    assert opportunity.pk not in listed(auth_client, market="totals")
    # Not to another site, and hiding twice keeps one row.
    response = auth_client.post(f"/opportunities/{opportunity.pk}/hide/", {"next": "https://example.test/"})
    assert response.headers["Location"] == "/opportunities/"
    assert HiddenOpportunity.objects.count() == 1
    assert auth_client.get(f"/opportunities/{opportunity.pk}/hide/").status_code == 405
    assert auth_client.post("/opportunities/999999/hide/").status_code == 404


def test_the_hidden_list_shows_them_again(auth_client, user, two_strategies):
    over_at(2.20)
    rows = Opportunity.objects.active().filter(bookmaker__key="bet365")
    best = max(o.edge for o in rows)
    auth_client.post(f"/opportunities/{rows[0].pk}/hide/")
    hidden = HiddenOpportunity.objects.get()

    page = auth_client.get("/opportunities/").content.decode()
    assert '<a id="hidden-count" href="/opportunities/hidden/">Hidden by you (1)</a>' in page
    html = auth_client.get("/opportunities/hidden/").content.decode()
    row = re.search(rf'<tr id="hidden-{hidden.pk}">.*?</tr>', html, re.S).group(0)
    assert "Over 2.5" in row
    assert "bet365" in row
    assert f'<span class="pos">+{(best * 100).quantize(Decimal("0.1"))}%</span> edge' in row  # the best active edge

    # Another bettor can neither see nor show it.
    auth_client.force_login(UserFactory())
    assert f'id="hidden-{hidden.pk}"' not in auth_client.get("/opportunities/hidden/").content.decode()
    assert auth_client.post(f"/opportunities/hidden/{hidden.pk}/unhide/").status_code == 404
    auth_client.force_login(user)

    response = auth_client.post(f"/opportunities/hidden/{hidden.pk}/unhide/", {"next": "/opportunities/hidden/"})
    assert (response.status_code, response.headers["Location"]) == (302, "/opportunities/hidden/")
    assert not HiddenOpportunity.objects.exists()
    assert {o.pk for o in rows} <= set(listed(auth_client))
    assert "Nothing hidden." in auth_client.get("/opportunities/hidden/").content.decode()


def test_undo_after_hiding(auth_client):
    over_at(2.20)
    opportunity = Opportunity.objects.active().get(bookmaker__key="bet365")
    notice = auth_client.post(f"/opportunities/{opportunity.pk}/hide/", HTTP_HX_REQUEST="true").content.decode()
    undo = re.search(r'hx-post="(/opportunities/hidden/\d+/unhide/)"', notice).group(1)
    response = auth_client.post(undo, HTTP_HX_REQUEST="true")
    assert json.loads(response.headers["HX-Trigger"]) == {"opportunitiesChanged": {}}
    assert "Shown again: bet365's price is back in the list." in response.content.decode()
    assert '<a id="hidden-count" href="/opportunities/hidden/" hx-swap-oob="true">Hidden by you (0)</a>' in (
        response.content.decode()
    )
    assert opportunity.pk in refreshed(auth_client)


def new_rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="opportunity-(\d+)" class="new">', html)]


def test_new_since_the_last_visit(auth_client, user):
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        over_at(2.20, provider_id="early", at=NOW)
        early = Opportunity.objects.get(bookmaker__key="bet365").pk
        first = auth_client.get("/opportunities/").content.decode()
    assert new_rows(first) == []  # a first visit has nothing to compare with
    assert "since your last visit" not in first

    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        over_at(2.25, provider_id="later", at=NOW + timedelta(minutes=10))
        later = Opportunity.objects.get(bookmaker__key="bet365", event__provider_id="later").pk
        second = auth_client.get("/opportunities/").content.decode()
    assert new_rows(second) == [later]
    assert f'<tr id="opportunity-{early}">' in second
    assert '<span class="badge new">1 new</span> since your last visit, Tue 24 Nov 12:01 UTC.' in second

    # The list's refreshes and filters keep this visit's marks.
    with time_machine.travel(NOW + timedelta(minutes=12), tick=False):
        assert new_rows(auth_client.get("/opportunities/", HTTP_HX_REQUEST="true").content.decode()) == [later]
        filtered = auth_client.get("/opportunities/", {"market": "totals"}, HTTP_HX_REQUEST="true")
        assert new_rows(filtered.content.decode()) == [later]

    with time_machine.travel(NOW + timedelta(minutes=13), tick=False):
        third = auth_client.get("/opportunities/").content.decode()
    assert new_rows(third) == []
    assert "Nothing new since your last visit, Tue 24 Nov 12:11 UTC." in third
    stored = Preferences.objects.get(user=user)
    assert (stored.opportunities_visited_at, stored.opportunities_new_after) == (
        NOW + timedelta(minutes=13),
        NOW + timedelta(minutes=11),
    )


def test_visits_keep_the_bettors_preferences(auth_client, user):
    Preferences.objects.create(user=user, odds_format="american", currency="€", stake_rounding=Decimal("5"))
    with time_machine.travel(NOW, tick=False):
        auth_client.get("/opportunities/")
    stored = Preferences.objects.get(user=user)
    assert (stored.odds_format, stored.currency, stored.stake_rounding) == ("american", "€", Decimal("5.00"))
    assert (stored.opportunities_visited_at, stored.opportunities_new_after) == (NOW, None)
