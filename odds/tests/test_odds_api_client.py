"""The client against recorded responses in the API's documented format: the ``responses`` library
for what one answer does, a real HTTP server on 127.0.0.1 (``local_api``) for retries, which urllib3
makes below the adapter ``responses`` replaces."""

import json
import time

import pytest
import responses

from devtools.processes import Answer, free_port
from odds.providers.odds_api import (
    BadRequest,
    KeyRejected,
    OddsApiClient,
    ProviderError,
    QuotaExhausted,
    odds_cost,
)
from odds.tests.conftest import DATA, load

BASE = "https://api.example.test"
KEY = "k3y-that-must-never-leak-0123456789"
USAGE = {"x-requests-remaining": "488", "x-requests-used": "12", "x-requests-last": "3"}


# "retry after a couple of seconds" (The Odds API's error codes); the body has the documented shape.
LIMITED = json.dumps({"message": "Exceeded frequency limit", "error_code": "EXCEEDED_FREQ_LIMIT"}).encode()
ODDS_PATH = "/v4/sports/soccer_epl/odds"


@pytest.fixture
def api():
    return OddsApiClient(api_key=KEY, base_url=BASE, timeout=5)


def local_client(server, **retries) -> OddsApiClient:
    """A client of ``server`` whose waits between attempts are a few milliseconds."""
    return OddsApiClient(api_key=KEY, base_url=server.url, timeout=5, **{"backoff": 0.01, **retries})


def recorded_odds() -> Answer:
    return Answer(200, (DATA / "epl_odds_2024-01-15.json").read_bytes(), USAGE)


def error_body(name: str) -> str:
    return (DATA / "errors" / name).read_text()


@responses.activate
def test_odds_call_sends_the_documented_parameters_and_reads_usage(api, epl_jan15):
    responses.get(f"{BASE}/v4/sports/soccer_epl/odds", json=epl_jan15, headers=USAGE)
    result = api.odds("soccer_epl", regions=["uk", "eu"], markets=["h2h", "spreads", "totals"])
    assert result.payload == epl_jan15
    assert (result.usage.remaining, result.usage.used, result.usage.last) == (488, 12, 3)
    params = responses.calls[0].request.params  # type: ignore[attr-defined]  # responses adds params
    assert params == {
        "apiKey": KEY,
        "regions": "uk,eu",
        "markets": "h2h,spreads,totals",
        "oddsFormat": "decimal",
        "dateFormat": "iso",
    }


@responses.activate
def test_usage_headers_are_case_insensitive_and_may_be_missing(api):
    responses.get(f"{BASE}/v4/sports", json=load("sports_all.json"), headers={"X-Requests-Remaining": "77"})
    usage = api.sports(include_all=True).usage
    assert (usage.remaining, usage.used, usage.last) == (77, None, None)
    responses.get(f"{BASE}/v4/sports/icehockey_nhl/events", json=load("nhl_events.json"))
    usage = api.events("icehockey_nhl").usage
    assert (usage.remaining, usage.used, usage.last) == (None, None, None)


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (401, "error_401_INVALID_KEY.json", KeyRejected, "INVALID_KEY"),
        (401, "error_MISSING_KEY.json", KeyRejected, "MISSING_KEY"),
        (401, "error_401_OUT_OF_USAGE_CREDITS.json", QuotaExhausted, "OUT_OF_USAGE_CREDITS"),
        (422, "error_422_INVALID_MARKET.json", BadRequest, "INVALID_MARKET"),
        (422, "error_422_MISSING_REGION.json", BadRequest, "MISSING_REGION"),
        (422, "error_INVALID_MARKET_COMBO.json", BadRequest, "INVALID_MARKET_COMBO"),
    ],
)
@responses.activate
def test_errors_become_typed_exceptions_with_the_apis_message(api, status, body, error, code):
    responses.get(
        f"{BASE}/v4/sports/soccer_epl/odds", body=error_body(body), status=status, content_type="application/json"
    )
    with pytest.raises(error) as caught:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert caught.value.error_code == code
    assert json.loads(error_body(body))["message"] in str(caught.value)
    assert KEY not in str(caught.value)
    assert len(responses.calls) == 1


def test_a_429_with_retry_after_waits_as_told_then_gives_the_data(local_api, epl_jan15):
    server = local_api(Answer(429, LIMITED, {"Retry-After": "1"}), recorded_odds())
    result = local_client(server).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert result.payload == epl_jan15
    assert (result.usage.remaining, result.usage.used, result.usage.last) == (488, 12, 3)
    assert result.attempts == 2
    assert len(server.paths) == 2
    assert server.paths[0] == server.paths[1]  # the same question again
    assert server.arrivals[1] - server.arrivals[0] >= 1.0  # Retry-After, not the 10 ms backoff


def test_server_errors_are_retried_until_an_answer(local_api, epl_jan15):
    server = local_api(Answer(500, b"oops"), Answer(500, b"oops"), recorded_odds())
    result = local_client(server).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert result.payload == epl_jan15
    assert result.attempts == len(server.paths) == 3


def test_the_waits_between_attempts_double(local_api):
    backoff = 0.1
    server = local_api(Answer(502, b"bad gateway"), Answer(503, b"unavailable"), Answer(504), recorded_odds())
    local_client(server, backoff=backoff).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    gaps = [later - earlier for earlier, later in zip(server.arrivals, server.arrivals[1:], strict=False)]
    # urllib3's Retry.get_backoff_time: the first retry at once, then backoff × 2^(n-1) plus jitter.
    floors = [0, backoff * 2, backoff * 4]
    assert len(gaps) == 3
    assert all(gap >= floor for gap, floor in zip(gaps, floors, strict=True)), gaps


def test_a_persistent_503_ends_in_a_provider_error_with_the_status(local_api):
    server = local_api(Answer(503, b"<html>no healthy upstream</html>"))  # a proxy's page, not the API's JSON
    with pytest.raises(ProviderError) as caught:
        local_client(server, max_retries=3).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert caught.value.status == 503
    assert str(caught.value) == f"The Odds API answered 503 on {ODDS_PATH} after 4 attempts: Service Unavailable"
    assert len(server.paths) == 4


def test_a_429_that_lasts_ends_in_a_provider_error_with_the_apis_code(local_api):
    server = local_api(Answer(429, LIMITED))
    with pytest.raises(ProviderError, match=r"429 EXCEEDED_FREQ_LIMIT on \S+ after 3 attempts: Exceeded frequency"):
        local_client(server, max_retries=2).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert len(server.paths) == 3


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, "error_401_INVALID_KEY.json", KeyRejected),
        (401, "error_401_OUT_OF_USAGE_CREDITS.json", QuotaExhausted),
        (422, "error_422_INVALID_MARKET.json", BadRequest),
    ],
)
def test_a_refused_key_or_request_is_asked_once(local_api, status, body, error):
    server = local_api(Answer(status, error_body(body).encode()), recorded_odds())
    with pytest.raises(error):
        local_client(server).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert len(server.paths) == 1


def test_a_connection_reset_is_retried(local_api, epl_jan15):
    server = local_api(Answer(reset=True), recorded_odds())
    result = local_client(server).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert result.payload == epl_jan15
    assert result.attempts == len(server.paths) == 2


def test_connection_resets_end_in_a_provider_error_without_the_key(local_api):
    server = local_api(Answer(reset=True))
    with pytest.raises(ProviderError) as caught:
        local_client(server, max_retries=2).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert str(caught.value) == (
        f"The Odds API broke the connection off before answering on {ODDS_PATH} after 3 attempts"
    )
    assert len(server.paths) == 3


def test_a_refused_connection_is_retried_then_a_provider_error():
    api = OddsApiClient(api_key=KEY, base_url=f"http://127.0.0.1:{free_port()}", backoff=0.01, max_retries=2)
    with pytest.raises(ProviderError) as caught:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert str(caught.value) == f"The Odds API could not connect on {ODDS_PATH} after 3 attempts"


def test_an_answer_slower_than_the_timeout_is_asked_again(local_api, epl_jan15):
    def slow_then_recorded(handler) -> None:
        if len(server.paths) == 1:
            time.sleep(1.0)
            return
        recorded_odds().send(handler)

    server = local_api(answer=slow_then_recorded)
    api = OddsApiClient(api_key=KEY, base_url=server.url, timeout=0.3, backoff=0.01)
    assert api.odds("soccer_epl", regions=["uk"], markets=["h2h"]).payload == epl_jan15
    assert len(server.paths) == 2


def test_answers_slower_than_the_timeout_end_in_a_provider_error(local_api):
    server = local_api(answer=lambda handler: time.sleep(0.6))
    api = OddsApiClient(api_key=KEY, base_url=server.url, timeout=0.2, backoff=0.01, max_retries=1)
    with pytest.raises(ProviderError) as caught:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert str(caught.value) == f"The Odds API timed out on {ODDS_PATH} after 2 attempts"
    assert len(server.paths) == 2


def test_no_retries_when_told(local_api):
    server = local_api(Answer(503, b"unavailable"))
    with pytest.raises(ProviderError, match="answered 503 on /v4/sports/soccer_epl/odds: Service Unavailable"):
        local_client(server, max_retries=0).odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert len(server.paths) == 1


@responses.activate
def test_truncated_json_is_a_provider_error(api):
    text = (DATA / "epl_odds_2024-01-15.json").read_text()
    responses.get(f"{BASE}/v4/sports/soccer_epl/odds", body=text[: len(text) // 2], content_type="application/json")
    with pytest.raises(ProviderError, match="not JSON on /v4/sports/soccer_epl/odds"):
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])


@responses.activate
def test_scores_ask_for_days_from(api):
    responses.get(
        f"{BASE}/v4/sports/icehockey_nhl/scores", json=load("nhl_scores.json"), headers={"x-requests-last": "2"}
    )
    assert api.scores("icehockey_nhl", days_from=3).usage.last == 2
    assert responses.calls[0].request.params["daysFrom"] == "3"  # type: ignore[attr-defined]  # responses adds params


def test_odds_cost_matches_the_documented_examples():
    assert odds_cost(["h2h"], ["us"]) == 1
    assert odds_cost(["h2h", "spreads", "totals"], ["us"]) == 3
    assert odds_cost(["h2h"], ["us", "uk", "eu"]) == 3
    assert odds_cost(["h2h", "spreads", "totals"], ["us", "uk", "eu"]) == 9
    assert odds_cost(["h2h"], bookmakers=[f"b{i}" for i in range(10)]) == 1
    assert odds_cost(["h2h", "totals"], bookmakers=[f"b{i}" for i in range(11)]) == 4
