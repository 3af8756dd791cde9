"""Redis stopped, hung and started again under the site and a real Celery worker: a Redis server of
the test's own (devtools.servers.EmbeddedRedis) that the settings, the worker and the broker client use."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest
import redis
from django.db import connection

from devtools.processes import broker, wait_until, worker_env
from devtools.testing import database_url
from monps.settings import redis_database
from odds.models import CollectorRun
from odds.tasks import collect_odds

SPORT = "soccer_epl"


@pytest.fixture
def site_on_own_redis(settings, own_redis):
    """The site's settings pointed at the test's Redis: health checks, and the cache that API
    throttling counts in (retried after 1 s while it is down, instead of 5)."""
    settings.REDIS_URL = own_redis.url
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": redis_database(own_redis.url, 1),
            "OPTIONS": {**settings.CACHES["default"]["OPTIONS"], "RETRY_SECONDS": 1},
        }
    }
    return redis.Redis.from_url(redis_database(own_redis.url, 1))


def throttle_keys(cache: redis.Redis) -> list[bytes | str]:
    return cache.keys("monps:1:throttle_user_*")


def timed_get(client, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = client.get(path)
    return response.status_code, time.monotonic() - started


def degraded(client) -> list[str]:
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    return body["reasons"]


@pytest.mark.django_db
def test_pages_and_the_api_answer_while_redis_hangs_or_is_down(auth_client, site_on_own_redis, own_redis, caplog):
    cache = site_on_own_redis
    assert timed_get(auth_client, "/api/odds/matches/")[0] == 200
    assert len(throttle_keys(cache)) == 1  # counted in Redis while it answers
    cache.flushdb()

    caplog.set_level(logging.INFO, logger="ops.cache")
    os.kill(own_redis._process.pid, signal.SIGSTOP)  # hung: connections open, nothing answers
    try:
        status, first = timed_get(auth_client, "/api/odds/matches/")
        assert status == 200
        assert first < 2  # one socket timeout (0.5 s), then the local count
        status, second = timed_get(auth_client, "/api/odds/matches/")
        assert status == 200
        assert second < first  # Redis is not asked again before RETRY_SECONDS
        assert degraded(auth_client) == ["redis: Redis did not answer PING"]
        assert auth_client.get("/").status_code == 200
    finally:
        os.kill(own_redis._process.pid, signal.SIGCONT)

    own_redis.stop()  # down: connections refused
    time.sleep(1)  # RETRY_SECONDS: Redis is tried again, and found down
    assert [timed_get(auth_client, path)[0] for path in ("/api/odds/matches/", "/api/opportunities/")] == [200, 200]
    assert [auth_client.get(path).status_code for path in ("/", "/opportunities/", "/bets/")] == [200, 200, 200]
    assert degraded(auth_client) == ["redis: Redis did not answer PING"]

    own_redis.start()
    time.sleep(1)
    assert timed_get(auth_client, "/api/odds/matches/")[0] == 200
    assert len(throttle_keys(cache)) == 1  # back in Redis
    assert auth_client.get("/health/").json()["redis"] == {"up": True}
    messages = [(r.levelname, r.getMessage().split(" (")[0]) for r in caplog.records if r.name == "ops.cache"]
    assert messages == [("WARNING", "cache: Redis unavailable"), ("INFO", "cache: Redis answers again")]


@pytest.fixture
def three_a_minute(settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "user": "3/min"}}
    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]  # DRF's stub: rates as numbers
    yield
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]  # DRF's stub: rates as numbers


@pytest.mark.django_db
def test_throttling_still_counts_while_redis_is_down(auth_client, site_on_own_redis, own_redis, three_a_minute):
    own_redis.stop()
    codes = [auth_client.get("/api/opportunities/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # counted in this process's memory


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_rides_out_a_redis_restart_and_its_queue_survives(
    transactional_db, auth_client, site_on_own_redis, start_killable_worker, own_redis, odds_api_stub
):
    client_app = broker(own_redis.url)
    env = worker_env(
        database_url=database_url(connection.settings_dict),
        redis_url=own_redis.url,
        api_url=odds_api_stub.url,
        CELERY_VISIBILITY_TIMEOUT="4",
    )
    worker = start_killable_worker(env=env, queues=["collection"], name="outage")
    try:
        worker.wait_ready(client_app)
        odds_api_stub.hold(1)
        with client_app.connection_for_write() as conn:
            running = collect_odds.apply_async(args=(SPORT,), connection=conn)
            assert odds_api_stub.arrived.wait(30), worker.tail()
            # Asked for while the first one runs: it waits in Redis (one task at a time per child).
            waiting = collect_odds.apply_async(args=(SPORT,), connection=conn)
        own_redis.stop()  # saved to disk on the way down, with both tasks
        odds_api_stub.release()  # the running collection completes with Redis down
        # The worker acknowledges between two attempts to reconnect: one more that fails after the
        # task succeeded means its acknowledgement found no Redis, and is lost.
        wait_until(
            lambda: "Cannot connect" in worker.log.read_text().partition(f"collect_odds[{running.id}] succeeded")[2],
            timeout=30,
            what="the running collection to complete, and the worker to try Redis again",
            log=worker.tail,
        )
        assert degraded(auth_client) == ["redis: Redis did not answer PING"]
        assert auth_client.get("/api/collector/status/").status_code == 200

        own_redis.start()
        wait_until(
            lambda: worker.log.read_text().count("odds.tasks.collect_odds[") == 6,  # 3 received, 3 succeeded
            timeout=40,
            what="the waiting collection, and the first delivered again",
            log=worker.tail,
        )
    finally:
        client_app.close()

    log = worker.log.read_text()
    # Done with the broker down: the task succeeded, leaving detection to the next full pass.
    assert "opportunities.tasks.detect_opportunities not queued (broker unavailable" in log
    assert f"collect_odds[{running.id}] succeeded in" in log
    assert f"collect_odds[{waiting.id}] succeeded in" in log
    # The first one's acknowledgement was lost with the connection: Redis delivered it again after
    # the visibility timeout, and it was skipped, its collection done. Two calls for two requests.
    assert sorted(CollectorRun.objects.values_list("status", flat=True)) == ["ok", "ok", "skipped"]
    skipped = CollectorRun.objects.get(status=CollectorRun.SKIPPED)
    assert skipped.error.startswith(f"{SPORT} was collected at ")
    assert len(odds_api_stub.requests) == 2
    assert auth_client.get("/health/").json()["redis"] == {"up": True}
