import json
import logging
import logging.config
import re

import pytest
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def test_a_user_creates_uses_and_revokes_a_token(auth_client, user):
    from django.test import Client

    page = auth_client.post("/settings/token/", follow=True).content.decode()
    key = Token.objects.get(user=user).key
    assert f'<code id="new-token">{key}</code>' in page
    assert key not in auth_client.get("/settings/").content.decode()  # shown once
    script = Client()
    assert script.get("/api/bets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    auth_client.post("/settings/token/revoke/")
    assert script.get("/api/bets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_the_settings_page_query_count_is_the_same_for_1_and_20_users(auth_client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from web.models import Preferences
    from web.tests.factories import UserFactory

    Token.objects.create(user=user)
    Preferences.objects.create(user=user, currency="€")
    with CaptureQueriesContext(connection) as one:
        page = auth_client.get("/settings/").content.decode()
    for _ in range(19):  # other bettors, each with their own preferences and token
        other = UserFactory()
        Preferences.objects.create(user=other, currency="£")
        Token.objects.create(user=other)
    with CaptureQueriesContext(connection) as twenty:
        again = auth_client.get("/settings/").content.decode()
    masked = re.compile(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"')  # new on every page
    assert masked.sub("", page) == masked.sub("", again)  # only this bettor's
    assert 'value="€"' in again
    # The session, the user, the preferences shown on every page, the form's, the token.
    assert len(one) == len(twenty) == 5


def test_api_throttles(auth_client, settings):
    from django.core.cache import cache

    cache.clear()
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "3/min"}}
    settings.REST_FRAMEWORK = rest
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]  # DRF's stub: rates as numbers
    try:
        codes = [auth_client.get("/api/opportunities/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
    finally:
        settings.REST_FRAMEWORK = {**rest, "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "2000/min"}}
        api_settings.reload()
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]  # DRF's stub: rates as numbers
        cache.clear()


def test_json_logs_carry_the_run_id():
    record = logging.LogRecord("odds.collector", logging.INFO, __file__, 1, "collected %s", ("soccer_epl",), None)
    record.run_id = 42
    from django.conf import settings

    formatter = logging.config.DictConfigurator({}).configure_custom(dict(settings.LOGGING["formatters"]["json"]))
    line = json.loads(formatter.format(record))
    assert (line["message"], line["run_id"], line["level"], line["logger"]) == (
        "collected soccer_epl",
        42,
        "INFO",
        "odds.collector",
    )


def test_every_line_of_a_collector_run_carries_its_id(caplog, settings):
    import responses as recorded

    from odds.collector import collect_sport
    from odds.providers.odds_api import OddsApiClient
    from odds.tests.conftest import load

    settings.ODDS_API_KEY = "k"
    with recorded.RequestsMock() as mock:
        mock.get("https://api.example.test/v4/sports/soccer_epl/odds", json=load("epl_odds_2024-01-15.json"))
        with caplog.at_level(logging.INFO, logger="odds"):
            handler_filter = __import__("ops.logging", fromlist=["RunIdFilter"]).RunIdFilter()
            caplog.handler.addFilter(handler_filter)
            run = collect_sport(
                sport_key="soccer_epl",
                api=OddsApiClient(api_key="k", base_url="https://api.example.test"),
            ).run
    lines = [r for r in caplog.records if r.name.startswith("odds")]
    assert [r.getMessage().split(":")[0] for r in lines] == ["collecting soccer_epl", "collected soccer_epl"]
    assert {getattr(r, "run_id", None) for r in lines} == {run.pk}
