"""The admin, the HTMX form and the API create identical bets, through the same service."""

from datetime import timedelta
from decimal import Decimal

import pytest

from bets.models import Bet, BetEvent
from bets.trail import entries
from odds.tests.factories import BookmakerFactory
from opportunities.tests.factories import NOW, OpportunityFactory
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FIELDS = [
    "event_id",
    "selection_id",
    "market",
    "outcome",
    "point",
    "bookmaker_id",
    "price",
    "stake",
    "placed_at",
    "status",
    "profit",
    "strategy_name",
]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", admin=True))
    return client


def snapshot(bet: Bet) -> dict:
    return {f: getattr(bet, f) for f in FIELDS}


def test_admin_form_and_api_create_identical_bets(admin_client, event):
    common = {
        "market": "h2h",
        "outcome": "Arsenal",
        "price": "2.100",
        "stake": "10.00",
        "placed_at": (NOW - timedelta(minutes=1)).isoformat(),
    }
    api = admin_client.post(
        "/api/bets/", {"event": event.pk, "bookmaker": "bet365", **common}, content_type="application/json"
    )
    assert api.status_code == 201, api.json()
    form = admin_client.post("/bets/new/", {"event": event.pk, "bookmaker": "bet365", **common}, HTTP_HX_REQUEST="true")
    assert form.status_code == 200, form.content.decode()
    assert form["HX-Trigger"].startswith('{"betPlaced"')
    bet365 = Bet.objects.first().bookmaker_id
    admin = admin_client.post(
        "/admin/bets/bet/add/",
        {
            "event": event.pk,
            "bookmaker": bet365,
            "market": "h2h",
            "outcome": "Arsenal",
            "point": "",
            "price": "2.100",
            "stake": "10.00",
            "placed_at_0": (NOW - timedelta(minutes=1)).strftime("%Y-%m-%d"),
            "placed_at_1": (NOW - timedelta(minutes=1)).strftime("%H:%M:%S"),
            "strategy_name": "",
            "notes": "",
        },
    )
    assert admin.status_code == 302, admin.content.decode()[:3000]
    bets = list(Bet.objects.order_by("id"))
    assert len(bets) == 3
    assert snapshot(bets[0]) == snapshot(bets[1]) == snapshot(bets[2])
    assert [e.via for e in entries(BetEvent.objects.order_by("pgh_id"))] == ["api", "form", "admin"]


def test_api_errors_name_the_field(auth_client, event):
    response = auth_client.post(
        "/api/bets/",
        {
            "event": event.pk,
            "market": "h2h",
            "outcome": "Arsenal",
            "bookmaker": "bet365",
            "price": "0.9",
            "stake": "abc",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Invalid input.",
        "errors": {"price": ["0.9 must be above 1.0 (decimal odds)"], "stake": ["'abc' is not an amount"]},
    }
    assert Bet.objects.count() == 0


def test_api_answers_the_documented_shape_and_edits(auth_client, event):
    created = auth_client.post(
        "/api/bets/",
        {
            "event": event.pk,
            "market": "h2h",
            "outcome": "Arsenal",
            "point": None,
            "bookmaker": "bet365",
            "price": "2.100",
            "stake": "10.00",
        },
        content_type="application/json",
    ).json()
    assert {k: created[k] for k in ("status", "profit", "closing_price", "clv", "price", "stake", "point")} == {
        "status": "pending",
        "profit": None,
        "closing_price": None,
        "clv": None,
        "price": "2.100",
        "stake": "10.00",
        "point": None,
    }
    patched = auth_client.patch(f"/api/bets/{created['id']}/", {"stake": "12.50"}, content_type="application/json")
    assert patched.json()["stake"] == "12.50"
    auth_client.post(f"/bets/{created['id']}/settle/", {"status": "won"})
    conflict = auth_client.patch(f"/api/bets/{created['id']}/", {"stake": "20.00"}, content_type="application/json")
    assert conflict.status_code == 409
    assert "needs allow_settled" in conflict.json()["detail"]
    ok = auth_client.patch(
        f"/api/bets/{created['id']}/", {"stake": "20.00", "allow_settled": True}, content_type="application/json"
    ).json()
    assert (ok["status"], ok["profit"]) == ("won", "22.00")


def test_api_list_filters_and_query_count(auth_client, event, django_assert_num_queries):
    def place(outcomes: list[str]) -> None:
        for outcome in outcomes:
            auth_client.post(
                "/api/bets/",
                {
                    "event": event.pk,
                    "market": "h2h",
                    "outcome": outcome,
                    "bookmaker": "bet365",
                    "price": "3.400",
                    "stake": "5.00",
                },
                content_type="application/json",
            )

    place(["Arsenal", "Draw"])
    with django_assert_num_queries(4):
        body = auth_client.get("/api/bets/", {"status": "pending", "bookmaker": "bet365"}).json()
    assert body["count"] == 2
    place(["Chelsea"] * 20)
    with django_assert_num_queries(4):
        body = auth_client.get("/api/bets/", {"status": "pending", "bookmaker": "bet365"}).json()
    assert body["count"] == 22
    assert auth_client.get("/api/bets/", {"status": "won"}).json()["count"] == 0


def test_form_prefilled_from_an_opportunity(auth_client, event):
    arsenal = event.selections.get(market="h2h", outcome="Arsenal")
    opportunity = OpportunityFactory(
        selection=arsenal, bookmaker=BookmakerFactory(key="bet365"), price=Decimal("2.100")
    )
    html = auth_client.get(f"/bets/new/?opportunity={opportunity.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert 'value="2.10"' in html
    assert f'name="opportunity" value="{opportunity.pk}"' in html
    assert "<html" not in html  # a fragment for HTMX


def test_the_api_gives_the_clv_under_every_method_and_where_the_fair_price_came_from(auth_client, closed_bet):
    from decimal import ROUND_HALF_UP

    from bets.tests.conftest import PINNACLE_CLOSE
    from opportunities.pricing import METHODS, devig

    body = auth_client.get(f"/api/bets/{closed_bet.pk}/").json()
    fair = {m: Decimal(repr(devig(PINNACLE_CLOSE, m)[0])).quantize(Decimal("0.000001"), ROUND_HALF_UP) for m in METHODS}
    clvs = {m: str((Decimal("2.750") * p - 1).quantize(Decimal("0.00001"))) for m, p in fair.items()}
    assert body["clv_by_method"] == clvs
    assert body["clv"] == body["clv_by_method"]["shin"]
    assert {k: body[k] for k in ("closing_reference", "closing_method", "closing_point", "closing_age_minutes")} == {
        "closing_reference": "pinnacle",
        "closing_method": "shin",
        "closing_point": None,
        "closing_age_minutes": 0.0,
    }
    assert body["closing_seen_at"] == "2026-11-25T15:00:00Z"
    assert body["closing_provenance"]["fair"]["odds_ratio"]["Bournemouth"] == str(fair["odds_ratio"])
    [book] = body["closing_provenance"]["books"]
    assert book["prices"] == {"Bournemouth": "2.750", "Draw": "3.600", "West Ham": "2.630"}
