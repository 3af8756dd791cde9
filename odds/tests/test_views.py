import copy

import pytest

from odds.ingest import ingest_snapshot
from odds.models import Event
from odds.providers.football_data import parse_file
from odds.providers.odds_api import parse_odds
from odds.tests.conftest import DATA

pytestmark = pytest.mark.django_db


def test_event_page_shows_prices_with_the_best_highlighted_and_a_chart(auth_client):
    ingest_snapshot(snapshot=parse_file(DATA / "E0_2324_head.csv").snapshot)
    event = Event.objects.get(home_team="Burnley")
    response = auth_client.get(f"/events/{event.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Burnley v Man City</h1>" in html
    assert "Result 0–3" in html
    assert 'class="num best"' in html
    assert '<svg class="chart"' in html
    assert "Pinnacle" in html or "pinnacle" in html


def test_event_page_partial_for_htmx(auth_client, epl_jan15):
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    event = Event.objects.first()
    response = auth_client.get(f"/events/{event.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="prices"')
    assert "<h1>" not in html


def test_event_page_query_count_is_constant(auth_client, django_assert_num_queries, epl_jan15, epl_jan30):
    two_books = copy.deepcopy(epl_jan15)
    for odds in two_books:
        odds["bookmakers"] = odds["bookmakers"][:2]
    ingest_snapshot(snapshot=parse_odds(two_books))
    event = Event.objects.get(provider_id=epl_jan15[0]["id"])
    with django_assert_num_queries(7) as small:
        auth_client.get(f"/events/{event.pk}/")
    ingest_snapshot(snapshot=parse_odds(epl_jan15))
    ingest_snapshot(snapshot=parse_odds(epl_jan30))
    with django_assert_num_queries(len(small.captured_queries)):
        html = auth_client.get(f"/events/{event.pk}/").content.decode()
    assert html.count('<th class="num" title=') == len(epl_jan15[0]["bookmakers"])


def test_missing_event_is_404(auth_client):
    assert auth_client.get("/events/424242/").status_code == 404
