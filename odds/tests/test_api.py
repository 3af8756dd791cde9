from decimal import Decimal

import pytest
from django.core.management import call_command

from devtools.testing import wait_for_idle_worker
from odds.ingest import ingest_snapshot
from odds.models import Event, Price, PriceHistory
from odds.providers.football_data import parse_file
from odds.providers.odds_api import parse_odds
from odds.tests.conftest import DATA

pytestmark = pytest.mark.django_db


def test_matches_need_a_login(client):
    assert client.get("/api/odds/matches/").status_code == 401


def test_matches_list_the_best_price_of_every_outcome(auth_client, epl_jan15):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    body = auth_client.get("/api/odds/matches/", {"market": "h2h"}).json()
    assert body["count"] == 15
    first = body["results"][0]
    event = Event.objects.get(pk=first["id"])
    for best in first["best_prices"]:
        top = (
            Price.objects.filter(selection__event=event, selection__market="h2h", selection__outcome=best["outcome"])
            .order_by("-price")
            .first()
        )
        assert Decimal(best["price"]) == top.price
        assert best["point"] is None
        assert best["market"] == "h2h"
    assert {b["outcome"] for b in first["best_prices"]} == {event.home_team, event.away_team, "Draw"}
    assert isinstance(first["best_prices"][0]["price"], str)  # Decimal as a string


def test_matches_query_count_is_constant(auth_client, epl_jan15, django_assert_num_queries):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    # session + user, count, page of events, best prices: whatever the number of events.
    with django_assert_num_queries(5):
        auth_client.get("/api/odds/matches/")
    call_command("import_football_data", str(DATA / "E0_2324_head.csv"))
    with django_assert_num_queries(5):
        auth_client.get("/api/odds/matches/")


def test_matches_filters(auth_client, epl_jan15):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    ingest_snapshot(snapshot=parse_file(DATA / "NOR_head.csv").snapshot)
    body = auth_client.get("/api/odds/matches/", {"sport": "soccer_norway_eliteserien"}).json()
    assert body["count"] == 3
    body = auth_client.get(
        "/api/odds/matches/", {"date_from": "2012-03-24T00:00:00Z", "date_to": "2012-03-31T00:00:00Z"}
    ).json()
    assert [r["home_team"] for r in body["results"]] == ["Honefoss", "Odd"]
    bad = auth_client.get(
        "/api/odds/matches/",
        {"date_from": "2024-02-01T00:00:00Z", "date_to": "2024-01-01T00:00:00Z", "market": "corners"},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"]["market"] == ['"corners" is not a valid choice.']


def test_history_gives_line_movement_with_opening_and_closing(auth_client):
    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    event = Event.objects.get(home_team="Burnley")
    body = auth_client.get(f"/api/odds/history/{event.pk}/", {"market": "h2h"}).json()
    assert body["event"]["home_team"] == "Burnley"
    pinnacle = next(s for s in body["series"] if s["bookmaker"] == "pinnacle" and s["outcome"] == "Burnley")
    assert (pinnacle["opening_price"], pinnacle["closing_price"]) == ("8.580", "9.620")
    assert [p["price"] for p in pinnacle["points"]] == ["8.580", "9.620"]
    assert pinnacle["points"][1]["observed_at"] == "2023-08-11T19:00:00Z"
    assert auth_client.get("/api/odds/history/999999/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_collector_refresh_queues_a_demo_snapshot_that_a_worker_ingests(auth_client, settings, celery_worker):
    import time

    from odds.models import CollectorRun

    settings.ODDS_API_KEY = ""
    status = auth_client.get("/api/collector/status/").json()
    assert status["demo"] is True
    assert status["blocked"] is None
    refresh = auth_client.post("/api/collector/refresh/", {}, content_type="application/json")
    assert refresh.status_code == 202
    assert refresh.json() == {"queued": ["demo"]}
    deadline = time.monotonic() + 60
    while not CollectorRun.objects.filter(kind="demo", status="ok").exists():
        assert time.monotonic() < deadline, "the worker did not run the demo snapshot"
        time.sleep(0.2)
    run = CollectorRun.objects.get(kind="demo")
    assert run.history_written == PriceHistory.objects.count() > 0
    wait_for_idle_worker()


def test_history_in_buckets_keeps_the_last_price_of_each(auth_client):
    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    event = Event.objects.get(home_team="Burnley")
    daily = auth_client.get(f"/api/odds/history/{event.pk}/", {"market": "h2h", "bucket": 86400}).json()
    pinnacle = next(s for s in daily["series"] if s["bookmaker"] == "pinnacle" and s["outcome"] == "Burnley")
    # Opening (Wednesday 19:00 UTC) and closing (Friday 19:00 UTC) fall in different days.
    assert [(p["observed_at"], p["price"]) for p in pinnacle["points"]] == [
        ("2023-08-09T00:00:00Z", "8.580"),
        ("2023-08-11T00:00:00Z", "9.620"),
    ]
    weekly = auth_client.get(f"/api/odds/history/{event.pk}/", {"market": "h2h", "bucket": 604800}).json()
    pinnacle = next(s for s in weekly["series"] if s["bookmaker"] == "pinnacle" and s["outcome"] == "Burnley")
    assert [p["price"] for p in pinnacle["points"]] == ["9.620"]  # one bucket: its last price
    assert auth_client.get(f"/api/odds/history/{event.pk}/", {"bucket": "5"}).status_code == 400
