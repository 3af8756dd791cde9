"""Scrape /metrics after a collection and a detection pass; rules and dashboard name real metrics."""

import json
import re
from pathlib import Path

import pytest
import responses
import yaml
from prometheus_client.parser import text_string_to_metric_families

from odds.collector import collect_sport
from odds.providers.odds_api import OddsApiClient
from odds.tests.conftest import load
from opportunities.detection import detect

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[str, list]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples, name, **labels) -> float:
    matching = [s.value for s in samples[name] if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matching) == 1, (name, labels, samples.get(name))
    return matching[0]


@responses.activate
def test_metrics_after_a_collection_and_a_detection(client, settings):
    settings.ODDS_API_KEY = "k"
    responses.get(
        "https://api.example.test/v4/sports/soccer_epl/odds",
        json=load("epl_odds_2024-01-15.json"),
        headers={"x-requests-remaining": "321", "x-requests-last": "3"},
    )
    run = collect_sport(
        sport_key="soccer_epl",
        api=OddsApiClient(api_key="k", base_url="https://api.example.test"),
    ).run
    detection = detect()
    samples = scrape(client)
    assert value(samples, "monps_odds_prices_ingested_total", sport="soccer_epl", source="odds_api") == 842
    assert value(samples, "monps_odds_history_rows_written_total", sport="soccer_epl", source="odds_api") == 842
    assert value(samples, "monps_collector_runs_total", kind="odds", status="ok") == 1
    assert value(samples, "monps_odds_api_credits_remaining") == 321
    assert value(samples, "monps_odds_api_key_rejected") == 0
    assert 0 <= value(samples, "monps_collector_seconds_since_success", sport="soccer_epl") < 120
    assert run.status == "ok"
    assert value(samples, "monps_detection_duration_seconds_count") == 1
    assert value(samples, "monps_detection_duration_seconds_sum") == pytest.approx(detection.duration_ms / 1000)
    active = sum(s.value for s in samples.get("monps_opportunities_active", []))
    assert active == len(detection.created)
    assert value(samples, "monps_bankroll") == 0
    assert value(samples, "monps_pending_exposure") == 0
    assert "django_http_requests_total_by_method_total" in samples  # django-prometheus alongside ours


def test_metrics_need_a_token_away_from_loopback(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 401
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 401  # with a token set, loopback needs it too
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret", REMOTE_ADDR="203.0.113.9").status_code == 200
    )


SUFFIXES = {
    "counter": ["_total"],
    "histogram": ["_bucket", "_count", "_sum"],
    "gauge": [""],
    "summary": ["_count", "_sum"],
}


def exported_names(client) -> set[str]:
    """Every series name /metrics can export, from its families (also those without samples yet)."""
    names: set[str] = set()
    for family in text_string_to_metric_families(client.get("/metrics").content.decode()):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, [""]))
        names.update(sample.name for sample in family.samples)
    return names


def referenced(expression: str) -> set[str]:
    return set(re.findall(r"\b((?:monps|django)_[a-z_]+)\b", expression))


def test_alert_rules_and_dashboard_name_only_existing_metrics(client):
    client.get("/health/")  # so django-prometheus has seen a response
    names = exported_names(client)
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((ROOT / "deploy/grafana/dashboards/monps.json").read_text())
    expressions += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set().union(*(referenced(e) for e in expressions))
    # histogram_quantile reads _bucket series of histograms
    missing = sorted(n for n in used if n not in names and n.removesuffix("_bucket") + "_count" not in names)
    assert missing == []
    assert {
        "MonpsCollectorStalled",
        "MonpsCreditsNearlyExhausted",
        "MonpsApiKeyRejected",
        "MonpsWorkerDown",
        "MonpsErrorRateUp",
    } <= {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
