"""Sports and events are written by one service, with one rule for a result, whoever writes them:
ingestion, score import, the sports list and the admin."""

from datetime import UTC, datetime, timedelta

import pytest

from odds import services
from odds.ingest import EventOdds, Snapshot, ingest_snapshot
from odds.models import Event, Sport
from odds.providers.odds_api import ScoreUpdate
from odds.scores import ingest_scores
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KICKOFF = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
COLLECTED = KICKOFF + timedelta(hours=3)


def snapshot(*, home_score=None, away_score=None, completed=None, title="Premier League") -> Snapshot:
    return Snapshot(
        events=[
            EventOdds(
                source="football_data",
                provider_id="E0-burnley-city",
                sport_key="soccer_epl",
                sport_title=title,
                home_team="Burnley",
                away_team="Man City",
                commence_time=KICKOFF,
                home_score=home_score,
                away_score=away_score,
                completed=completed,
            )
        ]
    )


def score(*, home_score=None, away_score=None, completed=False) -> ScoreUpdate:
    return ScoreUpdate(
        provider_id="E0-burnley-city",
        sport_key="soccer_epl",
        sport_title="EPL",
        home_team="Burnley",
        away_team="Man City",
        commence_time=KICKOFF,
        completed=completed,
        home_score=home_score,
        away_score=away_score,
        updated_at=None,
    )


def result() -> tuple:
    event = Event.objects.get()
    return event.home_score, event.away_score, event.completed, event.scores_updated_at


def test_an_ingested_event_is_completed_only_with_a_final_score():
    ingest_snapshot(snapshot=snapshot(completed=True), collected_at=COLLECTED)
    assert result() == (None, None, False, None)
    ingest_snapshot(snapshot=snapshot(home_score=0, completed=True), collected_at=COLLECTED)
    assert result() == (None, None, False, None)
    ingest_snapshot(snapshot=snapshot(home_score=0, away_score=3, completed=True), collected_at=COLLECTED)
    assert result() == (0, 3, True, COLLECTED)


def test_a_completed_event_stays_completed_and_its_time_moves_only_with_its_result():
    ingest_snapshot(snapshot=snapshot(home_score=0, away_score=3, completed=True), collected_at=COLLECTED)
    later = COLLECTED + timedelta(days=1)
    ingest_snapshot(snapshot=snapshot(home_score=0, away_score=3, completed=False), collected_at=later)
    assert result() == (0, 3, True, COLLECTED)  # nothing changed: not even its time
    ingest_snapshot(snapshot=snapshot(home_score=1, away_score=3), collected_at=later)
    assert result() == (1, 3, True, later)  # a corrected score


def test_score_import_follows_the_same_rule():
    first = ingest_scores(updates=[score(home_score=0, away_score=1)], source="football_data")
    assert (first.created, first.updated, first.completed_ids) == (1, 1, [])
    assert result()[:3] == (0, 1, False)  # in play
    event_id = Event.objects.get().pk
    assert ingest_scores(updates=[score(completed=True)], source="football_data").completed_ids == [event_id]
    assert result()[:3] == (0, 1, True)  # completed with the score it has
    again = ingest_scores(updates=[score(home_score=0, away_score=1, completed=False)], source="football_data")
    assert (again.created, again.updated, again.completed_ids) == (0, 0, [])
    assert result()[:3] == (0, 1, True)


def test_score_import_and_ingestion_write_the_same_event():
    ingest_scores(updates=[score(home_score=0, away_score=3, completed=True)], source="football_data")
    ingest_snapshot(snapshot=snapshot(), collected_at=COLLECTED)  # its prices, without a result
    event = Event.objects.get()
    assert (event.home_score, event.away_score, event.completed, event.last_collected_at) == (0, 3, True, COLLECTED)


def test_an_older_collection_leaves_a_later_fixture_and_collection_time():
    moved = snapshot()
    moved.events[0].commence_time = KICKOFF + timedelta(days=1)  # rescheduled, as a later collection says
    ingest_snapshot(snapshot=moved, collected_at=COLLECTED)
    ingest_snapshot(snapshot=snapshot(), collected_at=COLLECTED - timedelta(days=5))  # a backfilled snapshot
    event = Event.objects.get()
    assert (event.commence_time, event.last_collected_at) == (KICKOFF + timedelta(days=1), COLLECTED)
    ingest_snapshot(snapshot=snapshot(), collected_at=COLLECTED + timedelta(hours=1))  # newer: its fixture wins
    event.refresh_from_db()
    assert (event.commence_time, event.last_collected_at) == (KICKOFF, COLLECTED + timedelta(hours=1))


def test_a_sport_is_created_once_and_keeps_its_title():
    ingest_snapshot(snapshot=snapshot(title="EPL"), collected_at=COLLECTED)
    ingest_scores(updates=[score()], source="football_data")
    assert list(Sport.objects.values_list("key", "title", "group")) == [("soccer_epl", "EPL", "Soccer")]
    services.update_sports(listings=[services.SportListing("soccer_epl", "Premier League", "Soccer", active=False)])
    services.ensure_sports(titles={"soccer_epl": "EPL", "icehockey_nhl": ""})
    assert list(Sport.objects.order_by("key").values_list("key", "title", "group", "active")) == [
        ("icehockey_nhl", "icehockey_nhl", "Ice Hockey", True),
        ("soccer_epl", "Premier League", "Soccer", False),
    ]


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", admin=True))
    return client


def event_form(event: Event, **changes: object) -> dict:
    form = {
        "sport": event.sport_id,
        "home_team": event.home_team,
        "away_team": event.away_team,
        "commence_time_0": event.commence_time.strftime("%Y-%m-%d"),
        "commence_time_1": event.commence_time.strftime("%H:%M:%S"),
        "home_score": "",
        "away_score": "",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not False}


def test_the_admin_completes_an_event_only_with_its_score(admin_client):
    ingest_snapshot(snapshot=snapshot(), collected_at=COLLECTED)
    event = Event.objects.get()
    page = admin_client.post(f"/admin/odds/event/{event.pk}/change/", event_form(event, completed="on"))
    assert page.status_code == 200
    assert services.NO_SCORE in page.content.decode()
    assert result() == (None, None, False, None)
    done = admin_client.post(
        f"/admin/odds/event/{event.pk}/change/", event_form(event, completed="on", home_score="2", away_score="2")
    )
    assert done.status_code == 302
    home, away, completed, updated_at = result()
    assert (home, away, completed) == (2, 2, True)
    assert updated_at is not None


def test_a_sport_added_in_the_admin_gets_its_group(admin_client):
    page = admin_client.post("/admin/odds/sport/add/", {"key": "icehockey_nhl", "title": "NHL", "active": "on"})
    assert page.status_code == 302
    assert Sport.objects.values_list("key", "title", "group").get() == ("icehockey_nhl", "NHL", "Ice Hockey")
