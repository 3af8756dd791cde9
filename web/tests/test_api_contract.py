"""Schema-driven fuzzing of the whole API against a live server: no 5xx, no response that breaks the
schema. Bounded: a dozen generated requests per operation."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from web.tests.factories import TokenFactory

FUZZ_EXCLUDED = {"/api/collector/refresh/"}  # queues Celery work; covered by its own test with a worker
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def api_schema():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    for path in FUZZ_EXCLUDED:
        document["paths"].pop(path, None)
    return schemathesis.openapi.from_dict(document)


@pytest.fixture
def token(transactional_db):
    from odds.ingest import ingest_snapshot
    from odds.providers.odds_api import parse_odds
    from odds.tests.conftest import load

    ingest_snapshot(snapshot=parse_odds(load("epl_odds_2024-01-15.json")))
    return TokenFactory(user__username="fuzzer", user__password="a-long-fuzz-password").key


def test_every_operation_conforms_to_the_schema(live_server, token):
    operations = [result.ok() for result in api_schema().get_all_operations()]
    assert len(operations) >= 12
    calls = []
    for operation in operations:

        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def fuzz(case) -> None:
            case.call_and_validate(base_url=live_server.url, headers={"Authorization": f"Token {token}"}, checks=CHECKS)
            calls.append(case.method)

        fuzz()
    assert len(calls) >= len(operations)


def test_schema_validates(auth_client):
    from drf_spectacular.validation import validate_schema

    document = auth_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    validate_schema(document)
    assert set(document["paths"]) >= {
        "/api/odds/matches/",
        "/api/odds/history/{event_id}/",
        "/api/bets/",
        "/api/bets/{bet_id}/",
        "/api/opportunities/",
        "/api/opportunities/top/",
        "/api/stats/global/",
        "/api/stats/bankroll/",
        "/api/stats/performance/",
        "/api/collector/status/",
        "/api/collector/refresh/",
    }
    assert auth_client.get("/api/docs/").status_code == 200
