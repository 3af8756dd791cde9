"""The collector against recorded responses: credits, errors, the reserve, the lock."""

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from devtools.processes import Answer
from odds.collector import collect_scores, collect_sport, collection_blocked, key_fingerprint
from odds.models import CollectorRun, Event, Lease, PriceHistory
from odds.providers.odds_api import OddsApiClient
from odds.tests.conftest import DATA, load
from odds.tests.factories import CollectorRunFactory, LeaseFactory

BASE = "https://api.example.test"
KEY = "secret-key-0123456789abcdef"
ODDS_URL = f"{BASE}/v4/sports/soccer_epl/odds"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def api_settings(settings):
    settings.ODDS_API_KEY = KEY
    settings.ODDS_API_BASE_URL = BASE
    settings.ODDS_API_REGIONS = ["uk"]
    settings.ODDS_API_MARKETS = ["h2h", "spreads"]
    settings.ODDS_API_CREDIT_RESERVE = 25
    return settings


def api():
    return OddsApiClient(api_key=KEY, base_url=BASE)


@responses.activate
def test_a_collection_ingests_and_records_credits(epl_jan15):
    responses.get(
        ODDS_URL,
        json=epl_jan15,
        headers={"x-requests-remaining": "480", "x-requests-used": "20", "x-requests-last": "2"},
    )
    outcome = collect_sport(sport_key="soccer_epl", api=api())
    run = outcome.run
    assert run.status == CollectorRun.OK
    assert (run.credits_remaining, run.credits_used, run.credits_last) == (480, 20, 2)
    assert (run.events_seen, run.prices_seen, run.history_written) == (15, 842, 842)
    assert len(outcome.event_ids) == 15
    assert responses.calls[0].request.params["markets"] == "h2h,spreads"  # type: ignore[attr-defined]  # responses adds params
    assert run.key_fingerprint == key_fingerprint(KEY) != KEY


@responses.activate
def test_the_key_is_never_stored(epl_jan15):
    responses.get(ODDS_URL, body=(DATA / "errors" / "error_401_INVALID_KEY.json").read_text(), status=401)
    collect_sport(sport_key="soccer_epl", api=api())
    stored = " ".join(str(v) for v in CollectorRun.objects.values_list(flat=False).get())
    assert KEY not in stored


@responses.activate
def test_a_rejected_key_stops_collection_and_says_so(client, django_user_model):
    responses.get(ODDS_URL, body=(DATA / "errors" / "error_401_INVALID_KEY.json").read_text(), status=401)
    run = collect_sport(sport_key="soccer_epl", api=api()).run
    assert (run.status, run.error_code) == (CollectorRun.FAILED, "INVALID_KEY")
    assert collection_blocked().startswith("The Odds API rejected the key (INVALID_KEY)")
    again = collect_sport(sport_key="soccer_epl", api=api()).run
    assert again.status == CollectorRun.SKIPPED
    assert len(responses.calls) == 1  # no second call with a key known to be bad
    health = client.get("/health/")
    assert health.status_code == 503
    assert health.json()["collector"]["ok"] is False
    assert any(r.startswith("collector: The Odds API rejected the key") for r in health.json()["reasons"])


@responses.activate
def test_a_new_key_lifts_the_block(settings):
    responses.get(ODDS_URL, body=(DATA / "errors" / "error_401_INVALID_KEY.json").read_text(), status=401)
    collect_sport(sport_key="soccer_epl", api=api())
    settings.ODDS_API_KEY = "another-key"
    assert collection_blocked() == ""


@responses.activate
def test_spent_credits_stop_collection():
    responses.get(ODDS_URL, body=(DATA / "errors" / "error_401_OUT_OF_USAGE_CREDITS.json").read_text(), status=401)
    run = collect_sport(sport_key="soccer_epl", api=api()).run
    assert (run.status, run.error_code, run.credits_remaining) == (CollectorRun.FAILED, "OUT_OF_USAGE_CREDITS", 0)
    assert "Usage quota has been reached" in collection_blocked()


@responses.activate
def test_the_reserve_is_never_spent(epl_jan15):
    responses.get(ODDS_URL, json=epl_jan15, headers={"x-requests-remaining": "26", "x-requests-last": "2"})
    assert collect_sport(sport_key="soccer_epl", api=api()).run.status == CollectorRun.OK
    # 26 left, a call costs 1 market x ... here 2 markets x 1 region = 2: 24 would be under the reserve of 25.
    skipped = collect_sport(sport_key="soccer_epl", api=api()).run
    assert skipped.status == CollectorRun.SKIPPED
    assert skipped.error == (
        "26 credits left: a call costing 2 would spend into the reserve of 25 (ODDS_API_CREDIT_RESERVE)"
    )
    assert len(responses.calls) == 1


@responses.activate
def test_bad_parameters_report_the_apis_message():
    responses.get(ODDS_URL, body=(DATA / "errors" / "error_422_INVALID_MARKET.json").read_text(), status=422)
    run = collect_sport(sport_key="soccer_epl", api=api()).run
    assert (run.status, run.error_code) == (CollectorRun.FAILED, "INVALID_MARKET")
    assert "Markets not supported by this endpoint: alternate_spreads" in run.error
    assert collection_blocked() == ""  # a 422 is not a reason to stop


@responses.activate
def test_a_truncated_body_writes_nothing(epl_jan15):
    text = (DATA / "epl_odds_2024-01-15.json").read_text()
    responses.get(ODDS_URL, body=text[:5000], content_type="application/json")
    run = collect_sport(sport_key="soccer_epl", api=api()).run
    assert run.status == CollectorRun.FAILED
    assert (Event.objects.count(), PriceHistory.objects.count()) == (0, 0)


def test_a_provider_down_through_every_retry_fails_the_run_with_the_reason(local_api, settings):
    # The client built from the settings, as the scheduled task builds it.
    server = local_api(Answer(503, b"<html>no healthy upstream</html>"))
    settings.ODDS_API_BASE_URL, settings.ODDS_API_RETRIES, settings.ODDS_API_BACKOFF = server.url, 2, 0.01
    run = collect_sport(sport_key="soccer_epl").run
    assert (run.status, run.error_code) == (CollectorRun.FAILED, "PROVIDER_ERROR")
    assert run.error == "The Odds API answered 503 on /v4/sports/soccer_epl/odds after 3 attempts: Service Unavailable"
    assert len(server.paths) == 3
    assert KEY not in run.error


def test_a_rate_limited_call_retried_records_the_credits_of_the_answer(local_api, settings, epl_jan15):
    usage = {"x-requests-remaining": "480", "x-requests-used": "20", "x-requests-last": "2"}
    limited = b'{"message": "Exceeded frequency limit", "error_code": "EXCEEDED_FREQ_LIMIT"}'  # documented shape
    body = (DATA / "epl_odds_2024-01-15.json").read_bytes()
    server = local_api(Answer(429, limited), Answer(200, body, usage))
    settings.ODDS_API_BASE_URL, settings.ODDS_API_BACKOFF = server.url, 0.01
    run = collect_sport(sport_key="soccer_epl").run
    assert run.status == CollectorRun.OK
    assert (run.credits_remaining, run.credits_used, run.credits_last) == (480, 20, 2)
    assert run.events_seen == len(epl_jan15)
    assert len(server.paths) == 2


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_one_collection_per_sport_at_a_time(epl_jan15):
    LeaseFactory(holder="another-task")  # held for 5 more minutes
    run = collect_sport(sport_key="soccer_epl", api=api()).run
    assert run.status == CollectorRun.SKIPPED
    assert run.error == "a collection of soccer_epl is already running"
    assert len(responses.calls) == 0
    assert Lease.objects.get().holder == "another-task"


@responses.activate
def test_a_lease_whose_holder_died_expires_and_the_same_task_takes_its_own_back(epl_jan15):
    responses.get(f"{BASE}/v4/sports/soccer_epl/odds", json=epl_jan15, headers={"x-requests-remaining": "400"})
    LeaseFactory(holder="dead-task", expires_at=timezone.now() - timedelta(seconds=1))
    assert collect_sport(sport_key="soccer_epl", api=api()).run.status == CollectorRun.OK
    LeaseFactory(holder="task-1")
    # Delivered again after its worker was killed: the same task id, its own lease.
    assert collect_sport(sport_key="soccer_epl", api=api(), holder="task-1").run.status == CollectorRun.OK
    assert not Lease.objects.exists()  # released at the end


@responses.activate
def test_a_run_whose_worker_was_lost_ends_when_the_sport_is_collected_again(epl_jan15):
    responses.get(ODDS_URL, json=epl_jan15, headers={"x-requests-remaining": "400"})
    a_minute_ago = timezone.now() - timedelta(minutes=1)
    lost = CollectorRunFactory(started_at=a_minute_ago)
    other = CollectorRunFactory(sport_key="icehockey_nhl", started_at=a_minute_ago)
    assert collect_sport(sport_key="soccer_epl", api=api(), holder="task-1").run.status == CollectorRun.OK
    lost.refresh_from_db()
    assert (lost.status, lost.error_code) == (CollectorRun.FAILED, "WORKER_LOST")
    assert lost.error == "its worker stopped before the end was recorded (killed, restarted, or without its database)"
    assert lost.finished_at is not None
    other.refresh_from_db()
    assert other.status == CollectorRun.RUNNING  # another sport's lease: it may still be going


@responses.activate
def test_a_collection_asked_for_before_the_sport_was_last_collected_is_skipped(epl_jan15):
    responses.get(ODDS_URL, json=epl_jan15, headers={"x-requests-remaining": "400"})
    asked = timezone.now()
    assert collect_sport(sport_key="soccer_epl", api=api(), queued_at=asked).run.status == CollectorRun.OK
    # The same task delivered again (its acknowledgement lost), or another asked for at the same time.
    again = collect_sport(sport_key="soccer_epl", api=api(), queued_at=asked).run
    assert again.status == CollectorRun.SKIPPED
    assert again.error.startswith("soccer_epl was collected at ")
    assert again.error.endswith(f"after this collection was asked for ({asked:%H:%M:%S})")
    assert collect_sport(sport_key="soccer_epl", api=api(), queued_at=timezone.now()).run.status == CollectorRun.OK
    assert len(responses.calls) == 2


@responses.activate
def test_scores_complete_events():
    responses.get(
        f"{BASE}/v4/sports/icehockey_nhl/scores",
        json=load("nhl_scores.json"),
        headers={"x-requests-remaining": "470", "x-requests-last": "2"},
    )
    run = collect_scores(sport_key="icehockey_nhl", api=api())
    assert run.status == CollectorRun.OK
    assert Event.objects.filter(completed=True).count() == 18
    flames = Event.objects.get(provider_id="2aeab0a9d68f90299e8f38870d1d816c")
    assert (flames.home_score, flames.away_score) == (2, 5)
    again = collect_scores(sport_key="icehockey_nhl", api=api())
    assert again.events_seen == 0  # nothing changed the second time


@responses.activate
def test_the_free_sports_list_fills_the_sports_table():
    from odds.collector import refresh_sports
    from odds.models import Sport

    payload = load("sports_all.json")
    responses.get(f"{BASE}/v4/sports", json=payload)
    assert refresh_sports(api=api()) == len(payload)
    assert responses.calls[0].request.params["all"] == "true"  # type: ignore[attr-defined]  # responses adds params
    epl = next(s for s in payload if s["key"] == "soccer_epl")
    sport = Sport.objects.get(key="soccer_epl")
    assert (sport.title, sport.group, sport.active) == (epl["title"], epl["group"], epl["active"])
    assert refresh_sports(api=api()) == len(payload)
    assert Sport.objects.count() == len(payload)
