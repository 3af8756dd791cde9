"""Bookmaker settings: the API (``/api/bookmakers/``), the settings page edited in place with HTMX,
and the admin, all by one rule (``odds.services.clean_bookmaker_settings``)."""

from decimal import Decimal

import pytest

from odds.models import Bookmaker
from odds.tests.factories import BookmakerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    return {
        "betfair": BookmakerFactory(key="betfair_ex_uk", title="Betfair", is_exchange=True, commission="0.05"),
        "bet365": BookmakerFactory(key="bet365", title="Bet365"),
        "best": BookmakerFactory(key="market_max", title="Market best", is_aggregate=True),
    }


def settings_of(key: str) -> tuple:
    return Bookmaker.objects.values_list("is_exchange", "commission", "stake_rounding", "max_stake", "active").get(
        key=key
    )


def test_the_api_lists_every_bookable_bookmaker_with_its_settings(auth_client, books):
    body = auth_client.get("/api/bookmakers/").json()
    # By title; a market best is no bookmaker to hold an account at (Pinnacle: the default strategy's).
    assert [b["key"] for b in body["results"]] == ["bet365", "betfair_ex_uk", "pinnacle"]
    assert body["results"][1] == {
        "key": "betfair_ex_uk",
        "title": "Betfair",
        "region": "",
        "is_sharp": False,
        "is_exchange": True,
        "commission": "0.0500",
        "stake_rounding": None,
        "max_stake": None,
        "active": True,
    }
    assert auth_client.get("/api/bookmakers/market_max/").status_code == 404


def test_a_patch_changes_the_settings_given(auth_client, books):
    response = auth_client.patch(
        "/api/bookmakers/bet365/",
        {"commission": 0.02, "stake_rounding": "0.50", "max_stake": "250", "active": False},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["commission"] == "0.0200"
    assert settings_of("bet365") == (False, Decimal("0.0200"), Decimal("0.50"), Decimal("250.00"), False)
    auth_client.patch("/api/bookmakers/bet365/", {"max_stake": None}, content_type="application/json")
    assert settings_of("bet365")[3] is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"commission": "1"}, "commission", "1 is not a share from 0 up to 1 (0.05 is 5% of net winnings)"),
        ({"commission": -0.01}, "commission", "-0.01 is not a share from 0 up to 1 (0.05 is 5% of net winnings)"),
        ({"commission": "5%"}, "commission", "'5%' is not a number"),
        ({"commission": "0.12345"}, "commission", "0.12345 has more than 4 decimal places"),
        ({"stake_rounding": 0}, "stake_rounding", "0 must be more than 0 (leave it empty for none)"),
        ({"stake_rounding": "0.001"}, "stake_rounding", "0.001 has more than 2 decimal places"),
        ({"max_stake": "-5"}, "max_stake", "-5 must be more than 0 (leave it empty for none)"),
        ({"max_stake": "1e6"}, "max_stake", "'1e6' is in exponent notation: write the number in full"),
        ({"max_stake": "12345678901"}, "max_stake", "12345678901 has more than 10 digits before the decimal point"),
        ({"title": "Betfair!"}, "title", "is not a field here; the fields are"),
    ],
)
def test_a_patch_out_of_bounds_is_refused_naming_the_field(auth_client, books, body, field, message):
    before = settings_of("betfair_ex_uk")
    response = auth_client.patch("/api/bookmakers/betfair_ex_uk/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid input."
    assert response.json()["errors"][field][0].startswith(message)
    assert settings_of("betfair_ex_uk") == before


def test_a_patch_of_several_writes_all_or_none(auth_client, books):
    bad = [{"key": "bet365", "commission": "0.01"}, {"key": "betfair_ex_uk", "commission": "1.5"}]
    response = auth_client.patch("/api/bookmakers/", bad, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "betfair_ex_uk.commission": ["1.5 is not a share from 0 up to 1 (0.05 is 5% of net winnings)"]
    }
    assert settings_of("bet365")[1] == Decimal("0.0000")
    unknown = auth_client.patch(
        "/api/bookmakers/", [{"key": "nobody", "active": False}], content_type="application/json"
    )
    assert unknown.json()["errors"] == {"nobody.key": ["no bookmaker 'nobody'"]}
    good = [{"key": "bet365", "max_stake": "100"}, {"key": "betfair_ex_uk", "commission": "0.03"}]
    response = auth_client.patch("/api/bookmakers/", good, content_type="application/json")
    assert [(b["key"], b["commission"], b["max_stake"]) for b in response.json()] == [
        ("bet365", "0.0000", "100.00"),
        ("betfair_ex_uk", "0.0300", None),
    ]


def test_the_api_is_in_the_schema(auth_client):
    paths = auth_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert set(paths["/api/bookmakers/"]) == {"get", "patch"}
    assert set(paths["/api/bookmakers/{key}/"]) == {"get", "patch"}


def test_the_settings_page_lists_the_bookmakers_and_is_linked_from_settings(auth_client, books):
    assert 'href="/settings/bookmakers/"' in auth_client.get("/settings/").content.decode()
    page = auth_client.get("/settings/bookmakers/").content.decode()
    assert 'id="bookmaker-betfair_ex_uk"' in page
    assert 'id="bookmaker-bet365"' in page
    assert "market_max" not in page
    assert '<td class="num" data-label="Commission" data-commission>5.00%</td>' in page


def test_a_row_is_edited_in_place_with_htmx_and_errors_come_back_beside_their_fields(auth_client, books):
    form = auth_client.get("/settings/bookmakers/betfair_ex_uk/edit/", HTTP_HX_REQUEST="true").content.decode()
    assert form.lstrip().startswith('<tr id="bookmaker-betfair_ex_uk" class="editing">')
    assert 'name="betfair_ex_uk-commission"' in form
    assert 'value="0.05"' in form
    fields = {
        "betfair_ex_uk-is_exchange": "on",
        "betfair_ex_uk-commission": "1.2",
        "betfair_ex_uk-stake_rounding": "0",
        "betfair_ex_uk-max_stake": "",
        "betfair_ex_uk-active": "on",
    }
    refused = auth_client.post("/settings/bookmakers/betfair_ex_uk/", fields, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    body = refused.content.decode()
    assert (
        '<span class="errorlist" id="id_betfair_ex_uk-commission-error" data-error-for="commission">'
        "1.2 is not a share from 0 up to 1 (0.05 is 5% of net winnings)</span>"
    ) in body
    assert "0 must be more than 0 (leave it empty for none)" in body
    assert settings_of("betfair_ex_uk")[1] == Decimal("0.0500")

    saved = auth_client.post(
        "/settings/bookmakers/betfair_ex_uk/",
        {**fields, "betfair_ex_uk-commission": "0.02", "betfair_ex_uk-stake_rounding": "0.10"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert '<td class="num" data-label="Commission" data-commission>2.00%</td>' in saved.content.decode()
    assert settings_of("betfair_ex_uk") == (True, Decimal("0.0200"), Decimal("0.10"), None, True)


def test_without_javascript_the_form_posts_and_redirects(auth_client, books):
    page = auth_client.get("/settings/bookmakers/bet365/edit/").content.decode()
    assert "<h1>Bookmakers</h1>" in page
    assert 'name="bet365-commission"' in page
    fields = {"bet365-commission": "0", "bet365-max_stake": "50", "bet365-active": "on"}
    response = auth_client.post("/settings/bookmakers/bet365/", fields)
    assert (response.status_code, response["Location"]) == (302, "/settings/bookmakers/")
    assert settings_of("bet365") == (False, Decimal("0.0000"), None, Decimal("50.00"), True)
    refused = auth_client.post("/settings/bookmakers/bet365/", {**fields, "bet365-commission": ""})
    assert refused.status_code == 422
    assert "This field is required." in refused.content.decode()


def test_the_admin_edits_the_settings_in_its_list_by_the_same_rule(admin_client, books):
    betfair = books["betfair"]
    changelist = admin_client.get("/admin/odds/bookmaker/").content.decode()
    assert 'name="form-0-commission"' in changelist
    response = admin_client.post(
        f"/admin/odds/bookmaker/{betfair.pk}/change/",
        {"key": betfair.key, "title": betfair.title, "region": "", "commission": "1.5", "active": "on"},
    )
    assert response.status_code == 200
    assert "1.5 is not a share from 0 up to 1" in response.content.decode()
    admin_client.post(
        f"/admin/odds/bookmaker/{betfair.pk}/change/",
        {"key": betfair.key, "title": betfair.title, "region": "", "commission": "0.04", "is_exchange": "on"},
    )
    assert settings_of("betfair_ex_uk") == (True, Decimal("0.0400"), None, None, False)
