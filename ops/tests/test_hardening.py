"""Hostile input and bad days for the collector's edges: a sport key that would reach another path,
secrets in log lines, a response cut off in transfer, a run left running, Flower from another site."""

import http.server
import io
import logging
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from conftest import require
from devtools.processes import Answer
from odds.collector import end_stale_runs
from odds.models import CollectorRun
from odds.providers.odds_api import BadRequest, OddsApiClient, ProviderError
from odds.tests.factories import CollectorRunFactory
from ops.logging import RedactSecrets
from ops.probes import redis_ping

KEY = "k3y-0123456789abcdef0123456789"


def test_a_sport_key_that_would_reach_another_path_is_refused_before_any_request(local_api):
    server = local_api(Answer(200, b"[]"))
    api = OddsApiClient(api_key=KEY, base_url=server.url)
    for sport in ("../../v4/historical/x?a=", "soccer_epl/../../x", "SOCCER", "", "a" * 65):
        with pytest.raises(BadRequest, match="is not a sport key"):
            api.odds(sport, regions=["uk"], markets=["h2h"])
    assert server.paths == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sport", "message"),
    [
        ("../../v4/historical/x?a=", "A sport key is lower-case letters, digits and _ (e.g. soccer_epl)."),
        ("basketball_nowhere", "basketball_nowhere is not a known sport (see the admin's Sports)."),
    ],
)
def test_the_refresh_api_refuses_a_sport_it_does_not_know(auth_client, settings, sport, message):
    settings.ODDS_API_KEY = KEY
    response = auth_client.post("/api/collector/refresh/", {"sport": sport}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"sport": [message]}


def console_output(level: int, emit: Callable[[], object]) -> str:
    """What the configured console handler (monps.settings.LOGGING) writes while ``emit()`` runs."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and any(isinstance(f, RedactSecrets) for f in h.filters)
    )
    stream, handler.stream = handler.stream, io.StringIO()
    root, urllib3 = logging.getLogger(), logging.getLogger("urllib3")
    levels = root.level, urllib3.level
    root.setLevel(level)
    urllib3.setLevel(level)
    try:
        emit()
        return handler.stream.getvalue()
    finally:
        handler.stream = stream
        root.setLevel(levels[0])
        urllib3.setLevel(levels[1])


def test_the_key_never_reaches_a_log_line_even_at_debug(local_api, settings):
    settings.ODDS_API_KEY = KEY
    # A dropped connection first: urllib3's retry warning quotes the URL, key included.
    server = local_api(Answer(reset=True), Answer(200, b"[]"))
    api = OddsApiClient(api_key=KEY, base_url=server.url, backoff=0.01)

    def emit() -> None:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
        logging.getLogger("monps.test").warning("calling with key %s", KEY)
        try:
            raise RuntimeError(f"https://api.example.test/v4/sports?apiKey={KEY}")
        except RuntimeError:
            logging.getLogger("monps.test").exception("failed")

    output = console_output(logging.DEBUG, emit)
    assert len(server.paths) == 2
    assert "GET /v4/sports/soccer_epl/odds" in output  # urllib3 did log the request line
    assert "WARNING urllib3.connectionpool Retrying" in output
    assert "The Odds API answered 200 on /v4/sports/soccer_epl/odds after 2 attempts" in output
    assert "apiKey=***" in output
    assert "calling with key ***" in output
    assert KEY not in output


def test_a_response_cut_off_in_transfer_is_a_provider_error_and_not_asked_again(local_api):
    # The status line and usage headers arrived: the call was charged, asking again would pay twice.
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.write(b'400\r\n[{"id": "abc"')  # announces 1024 bytes, sends 12, hangs up
        handler.wfile.flush()
        handler.close_connection = True

    server = local_api(answer=answer)
    api = OddsApiClient(api_key=KEY, base_url=server.url, backoff=0.01)
    with pytest.raises(ProviderError, match="sent a broken response") as error:
        api.odds("soccer_epl", regions=["uk"], markets=["h2h"])
    assert KEY not in str(error.value)
    assert len(server.paths) == 1


@pytest.mark.django_db
def test_a_run_left_running_by_a_lost_worker_is_reported_then_ended(client):
    started = timezone.now() - timedelta(seconds=settings.COLLECTION_LEASE_SECONDS + 60)
    run = CollectorRunFactory(started_at=started)
    body = client.get("/health/").json()
    assert body["status"] == "degraded"
    assert body["collector"]["ok"] is False
    assert (
        f"collector: the odds run of soccer_epl started {started:%Y-%m-%d %H:%M} UTC is still running"
        in body["reasons"]
    )
    assert end_stale_runs() == 1
    run.refresh_from_db()
    assert (run.status, run.error_code) == (CollectorRun.FAILED, "STALE")
    assert run.error.endswith("its worker was lost")
    assert client.get("/health/").json()["collector"]["ok"] is True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def flower(tmp_path: Path) -> Iterator[tuple[str, tuple[str, str]]]:
    """Flower as ``make run`` starts it (devtools.launcher), on the test Redis."""
    from devtools.launcher import FLOWER_USER, _flower_env, _processes

    require(redis_ping(settings.REDIS_URL), f"Redis not reachable at {settings.REDIS_URL}")
    port = free_port()
    os.environ["FLOWER_PORT"] = str(port)
    try:
        command = _processes()["flower"]
    finally:
        del os.environ["FLOWER_PORT"]
    os.environ.pop("FLOWER_BASIC_AUTH", None)
    env = _flower_env(tmp_path) | {"CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url, timeout=1)
            break
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("Flower did not start")
            time.sleep(0.2)
    password = (tmp_path / "flower_password").read_text().strip()
    yield url, (FLOWER_USER, password)
    process.terminate()
    process.wait(10)


def test_flower_asks_for_its_password_and_refuses_other_sites(flower):
    url, credentials = flower
    anonymous = requests.get(f"{url}/api/workers", timeout=10)
    assert anonymous.status_code == 401
    assert "Access-Control-Allow-Origin" not in anonymous.headers
    assert requests.get(f"{url}/api/workers", auth=credentials, timeout=10).status_code == 200
    # A page of another site the bettor visits, even with the browser's cached credentials:
    shutdown = f"{url}/api/worker/shutdown/worker@nowhere"
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}):
        response = requests.post(shutdown, auth=credentials, headers=headers, timeout=10)
        assert response.status_code == 403, headers
        assert "Access-Control-Allow-Origin" not in response.headers
    assert requests.post(shutdown, timeout=10).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_the_refresh_api_says_when_the_task_queue_is_down(user):
    # A process of its own whose broker is a closed port: the application's broker stays untouched.
    import json
    import sys

    from django.db import connection

    from devtools.testing import database_url

    code = (
        "import json, django; django.setup(); from django.test import Client; "
        'from django.conf import settings; settings.ALLOWED_HOSTS = ["testserver"]; '
        "from django.contrib.auth import get_user_model; c = Client(); "
        f"c.force_login(get_user_model().objects.get(pk={user.pk})); "
        "r = c.post('/api/collector/refresh/', {}, content_type='application/json'); "
        "print(json.dumps([r.status_code, r.json()]))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "ODDS_API_KEY": KEY,
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body == {
        "detail": "The task queue (Redis) is not answering: nothing was queued. Try again once /health/ is ok.",
        "errors": {},
    }
