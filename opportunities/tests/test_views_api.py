from decimal import Decimal

import pytest

from opportunities.detection import detect
from opportunities.models import Strategy
from opportunities.tests.factories import NOW, event_with, quotes

pytestmark = pytest.mark.django_db


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


def test_api_lists_run_a_constant_number_of_queries(auth_client, django_assert_num_queries):
    value_events(2)
    counts = {"/api/opportunities/": 4, "/api/opportunities/top/": 3}
    for path, count in counts.items():
        with django_assert_num_queries(count):
            auth_client.get(path)
    value_events(15, start=2)
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


def test_page_lists_with_filters_and_partial(auth_client, django_assert_num_queries):
    value_events(2)
    html = auth_client.get("/opportunities/").content.decode()
    assert "<h1>Opportunities</h1>" in html
    assert "Place bet" in html
    with django_assert_num_queries(5) as small:
        partial = auth_client.get("/opportunities/", {"market": "totals"}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<section id="results"')
    value_events(15, start=2)
    with django_assert_num_queries(len(small.captured_queries)):
        auth_client.get("/opportunities/", {"market": "totals"}, HTTP_HX_REQUEST="true")


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
