"""The client against recorded responses in the API's documented format (``responses`` library)."""

import json

import pytest
import requests
import responses

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


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def api(sleeps):
    return OddsApiClient(api_key=KEY, base_url=BASE, timeout=5, backoff=1.0, max_retries=3, sleep=sleeps.append)


def error_body(name: str) -> str:
    return (DATA / "errors" / name).read_text()


@responses.activate
def test_odds_call_sends_the_documented_parameters_and_reads_usage(api, epl_jan15):
    responses.get(f"{BASE}/v4/sports/soccer_epl/odds", json=epl_jan15, headers=USAGE)
    result = api.odds("soccer_epl", regions=["uk", "eu"], markets=["h2h", "spreads", "totals"])
    assert result.payload == epl_jan15
    assert (result.usage.remaining, result.usage.used, result.usage.last) == (488, 12, 3)
    params = responses.calls[0].request.params
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
def test_errors_become_typed_exceptions_with_the_apis_message(api, sleeps, status, body, error, code):
    responses.get(
        f"{BASE}/v4/sports/soccer_epl/odds", body=error_body(body), status=status, content_type="application/json"
    )
    with pytest.raises(error) as caught:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert caught.value.error_code == code
    assert json.loads(error_body(body))["message"] in str(caught.value)
    assert KEY not in str(caught.value)
    assert sleeps == []  # no retry of a 401 or a 422
    assert len(responses.calls) == 1


@responses.activate
def test_429_waits_as_told_and_retries(api, sleeps, epl_jan15):
    url = f"{BASE}/v4/sports/soccer_epl/odds"
    limited = {"message": "Exceeded frequency limit", "error_code": "EXCEEDED_FREQ_LIMIT"}
    responses.get(url, json=limited, status=429, headers={"Retry-After": "2"})
    responses.get(url, json=limited, status=429)
    responses.get(url, json=epl_jan15, headers=USAGE)
    assert api.odds("soccer_epl", regions=["uk"], markets=["h2h"]).payload == epl_jan15
    assert sleeps[0] == 2.0
    assert 2.0 <= sleeps[1] <= 3.0  # second attempt: backoff 2 s plus jitter below 1 s
    assert len(responses.calls) == 3


@responses.activate
def test_429_gives_up_after_the_retries(api, sleeps):
    responses.get(
        f"{BASE}/v4/sports/soccer_epl/odds",
        json={"error_code": "EXCEEDED_FREQ_LIMIT", "message": "slow down"},
        status=429,
    )
    with pytest.raises(ProviderError, match="429 EXCEEDED_FREQ_LIMIT"):
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert len(responses.calls) == 4
    assert len(sleeps) == 3


@responses.activate
def test_server_errors_back_off_exponentially_with_jitter(api, sleeps, epl_jan15):
    url = f"{BASE}/v4/sports/soccer_epl/odds"
    responses.get(url, status=502, body="bad gateway")
    responses.get(url, status=503, body="unavailable")
    responses.get(url, status=500, body="oops")
    responses.get(url, json=epl_jan15)
    api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert [int(s) for s in sleeps] == [1, 2, 4]
    assert all(0 <= s - int(s) < 1 for s in sleeps)


@responses.activate
def test_timeouts_and_connection_errors_retry_then_fail_without_the_key(api, sleeps):
    url = f"{BASE}/v4/sports/soccer_epl/odds"
    responses.get(url, body=requests.ConnectTimeout(f"timeout {url}?apiKey={KEY}"))
    responses.get(url, body=requests.ConnectionError(f"refused {url}?apiKey={KEY}"))
    responses.get(url, body=requests.ConnectionError(f"refused {url}?apiKey={KEY}"))
    responses.get(url, body=requests.ConnectionError(f"refused {url}?apiKey={KEY}"))
    with pytest.raises(ProviderError) as caught:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert str(caught.value) == "The Odds API could not connect on /v4/sports/soccer_epl/odds after 4 attempts"
    assert len(sleeps) == 3


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
    assert responses.calls[0].request.params["daysFrom"] == "3"


def test_odds_cost_matches_the_documented_examples():
    assert odds_cost(["h2h"], ["us"]) == 1
    assert odds_cost(["h2h", "spreads", "totals"], ["us"]) == 3
    assert odds_cost(["h2h"], ["us", "uk", "eu"]) == 3
    assert odds_cost(["h2h", "spreads", "totals"], ["us", "uk", "eu"]) == 9
    assert odds_cost(["h2h"], bookmakers=[f"b{i}" for i in range(10)]) == 1
    assert odds_cost(["h2h", "totals"], bookmakers=[f"b{i}" for i in range(11)]) == 4
