"""Cached page parts and API answers are keyed by data versions that the database raises itself."""

import re

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bets.models import Bet, LedgerEntry
from bets.services import add_ledger_entry
from bets.tests.test_pages import make_bets
from monps.versions import AREAS, BETS, CATALOG, OPPORTUNITIES, TABLES, data_versions
from odds.models import Sport
from opportunities.tests.factories import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_every_table_of_every_area_raises_its_version():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'monps_version'"
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert triggered == {table for tables in TABLES.values() for table in tables}
    assert set(data_versions()) == set(AREAS)


@pytest.mark.parametrize(
    ("write", "area"),
    [
        (lambda: Sport.objects.create(key="x_y", title="X"), CATALOG),
        (lambda: make_bets(1), BETS),
        (lambda: LedgerEntry.objects.filter(pk=-1).update(note="nothing matched, still a write"), BETS),
    ],
)
def test_a_write_raises_its_area_and_only_it(write, area):
    before = data_versions()
    write()
    after = data_versions()
    assert after[area] != before[area]
    # make_bets creates its event, so odds move with bets there; opportunities never do here.
    assert after[OPPORTUNITIES] == before[OPPORTUNITIES]


def deposit_then_fail(seen: list[str]) -> None:
    with transaction.atomic():
        add_ledger_entry(kind="deposit", amount="10.00")
        seen.append(data_versions()[BETS])
        raise RuntimeError("roll back")


def test_a_rolled_back_write_never_reuses_a_version():
    before = data_versions()[BETS]
    seen: list[str] = []
    with pytest.raises(RuntimeError):
        deposit_then_fail(seen)
    inside = seen[0]
    assert inside != before
    assert data_versions()[BETS] == before
    add_ledger_entry(kind="deposit", amount="20.00")
    assert data_versions()[BETS] not in (before, inside)


def without_csrf(html: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("path", ["/", "/stats/", "/bets/", "/opportunities/"])
def test_a_cached_page_is_served_until_its_data_changes(auth_client, path):
    make_bets(2)
    first = auth_client.get(path).content.decode()
    with CaptureQueriesContext(connection) as cached:
        again = auth_client.get(path).content.decode()
    assert without_csrf(again) == without_csrf(first)
    # session, user, data versions; the dashboard's collector panel is not cached (2 more).
    assert len(cached.captured_queries) == (5 if path == "/" else 3), [q["sql"][:90] for q in cached]
    make_bets(1, start=2)
    with CaptureQueriesContext(connection) as fresh:
        auth_client.get(path)
    assert len(fresh.captured_queries) > len(cached.captured_queries)  # rendered afresh
    assert "3 bets (3 pending)" in auth_client.get("/bets/").content.decode()


def test_a_cached_api_answer_follows_new_bets(auth_client):
    make_bets(2)
    assert auth_client.get("/api/bets/").json()["count"] == 2
    with CaptureQueriesContext(connection) as cached:
        assert auth_client.get("/api/bets/").json()["count"] == 2
    assert len(cached.captured_queries) == 3
    make_bets(1, start=2)
    assert auth_client.get("/api/bets/").json()["count"] == 3


def test_each_session_gets_settle_forms_with_its_own_csrf_token(user):
    make_bets(1)
    bet = Bet.objects.get()
    tokens = []
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        html = client.get("/bets/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        tokens.append(token)
        response = client.post(f"/bets/{bet.pk}/settle/", {"status": "won", "csrfmiddlewaretoken": token})
        assert response.status_code in (200, 302), response.status_code
    assert tokens[0] != tokens[1]
    assert Bet.objects.get().status == "won"


def test_pages_and_api_answer_when_the_page_cache_is_unreachable(auth_client, settings):
    import time

    from monps.cache import PageCache

    make_bets(1)
    settings.CACHES = {
        **settings.CACHES,
        "template_fragments": {
            **settings.CACHES["template_fragments"],
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
    try:
        assert "1 bets (1 pending)" in auth_client.get("/bets/").content.decode()
        assert auth_client.get("/api/bets/").json()["count"] == 1
        started = time.monotonic()
        assert auth_client.get("/stats/").status_code == 200
        assert time.monotonic() - started < 0.5  # the cache is left alone after a failure
        assert PageCache._down_until > time.monotonic()
    finally:
        PageCache._down_until = 0.0


def test_a_collection_leaves_the_pages_about_bets_cached(auth_client):
    from odds.models import Bookmaker, Event

    make_bets(2)
    auth_client.get("/bets/")
    Event.objects.update(last_collected_at=NOW)  # what every collection does
    with CaptureQueriesContext(connection) as cached:
        auth_client.get("/bets/")
    assert len(cached.captured_queries) == 3
    Bookmaker.objects.filter(key="bet365").update(title="Renamed")  # a name the page shows
    with CaptureQueriesContext(connection) as fresh:
        html = auth_client.get("/bets/").content.decode()
    assert len(fresh.captured_queries) > 3
    assert "<td>Renamed</td>" in html
