"""A NUL character in a query string is refused before any view: PostgreSQL cannot compare text with
NUL, and the admin's changelist filters hand their values to a query (a 500 before)."""

import pytest

from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", admin=True))
    return client


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/admin/bets/bet/?status__exact=%00", "status__exact"),
        ("/admin/bets/bet/?status__exact=won%00", "status__exact"),
        ("/admin/opportunities/opportunity/?market__exact=%00", "market__exact"),
        ("/admin/bets/betchange/?via__exact=api&action__exact=%00", "action__exact"),
        ("/admin/bets/bet/?%00=1", "\\x00"),
        ("/bets/?strategy=%00", "strategy"),
    ],
)
def test_a_nul_in_a_query_string_is_a_bad_request(staff_client, url, name):
    response = staff_client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"Bad request: the query parameter {name!r} contains a NUL character.\n"


def test_the_api_answers_a_nul_in_its_error_shape(staff_client):
    response = staff_client.get("/api/bets/", {"status": "won", "bookmaker": "bet365\x00"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid input.", "errors": {"bookmaker": ["contains a NUL character"]}}


def test_the_same_lists_answer_without_a_nul(staff_client):
    assert staff_client.get("/admin/bets/bet/?status__exact=won").status_code == 200
    assert staff_client.get("/admin/opportunities/opportunity/?market__exact=h2h").status_code == 200
    assert staff_client.get("/bets/?strategy=value").status_code == 200
