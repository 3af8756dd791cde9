"""Collections that lose their worker or their database half-way: real Celery workers (prefork, one
child) on a Redis server of the test's own, the test database, and the Odds API replaced by a local
HTTP server serving a recorded response. Each fault is placed deterministically: the API holds the
request until the test has killed the worker, or the test holds a table the ingestion must write to
and waits until the worker's backend queues behind it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection

from devtools.processes import ROOT, broker, hold_table, wait_until, waiting_on, worker_env
from devtools.servers import EmbeddedPostgres
from devtools.testing import database_url
from odds.models import CollectorRun, Event, Lease, Price, PriceHistory
from odds.tasks import collect_odds

pytestmark = pytest.mark.celery

SPORT = "soccer_epl"
COST = 2  # markets h2h,spreads × region uk
# One ingestion of epl_odds_2024-01-15.json with those markets (odds/tests/test_collector.py).
EVENTS, HISTORY = 15, 842  # 57 of the prices are exchanges' lay prices


@pytest.fixture
def client_app(own_redis):
    app = broker(own_redis.url)
    yield app
    app.close()


def this_database() -> str:
    return database_url(connection.settings_dict)


def psycopg_connect() -> psycopg.Connection:
    return psycopg.connect(this_database(), autocommit=True)


# The tables a backend's open transaction has written to.
WRITTEN_BY = """
SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = %s AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'
"""


def collection_worker(start_killable_worker, own_redis, odds_api_stub, client_app, **extra: str):
    env = worker_env(database_url=this_database(), redis_url=own_redis.url, api_url=odds_api_stub.url, **extra)
    worker = start_killable_worker(env=env, queues=["collection"], name="collect")
    worker.wait_ready(client_app)
    return worker


def queue_collection(client_app):
    """``collect_odds.delay(SPORT)`` as monps sends it (with the time it was asked for), to the test's
    own broker."""
    with client_app.connection_for_write() as conn:
        return collect_odds.apply_async(args=(SPORT,), connection=conn)


def runs() -> list[tuple[str, str]]:
    return list(CollectorRun.objects.order_by("started_at").values_list("status", "error_code"))


def wait_for_ok_run(worker, timeout: float = 60) -> CollectorRun:
    wait_until(
        lambda: (
            CollectorRun.objects.filter(status=CollectorRun.OK).exists()
            and not CollectorRun.objects.filter(status=CollectorRun.RUNNING).exists()
        ),
        timeout=timeout,
        what="one ok run and none running",
        log=lambda: f"runs {runs()}\n{worker.tail()}",
    )
    return CollectorRun.objects.get(status=CollectorRun.OK)


def assert_collected_once(ok: CollectorRun, stub) -> None:
    """One ingestion's rows, the credits of every call recorded once, the lease given back."""
    assert (ok.events_seen, ok.history_written) == (EVENTS, HISTORY)
    assert (Event.objects.count(), PriceHistory.objects.count()) == (EVENTS, HISTORY)
    assert Price.objects.count() == HISTORY  # a first snapshot: every price is current
    assert (ok.credits_last, ok.credits_used, ok.credits_remaining) == (COST, stub.used, 500 - stub.used)
    assert list(Lease.objects.all()) == []


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_the_download_collects_once_when_redelivered(
    transactional_db, start_killable_worker, own_redis, odds_api_stub, client_app
):
    worker = collection_worker(start_killable_worker, own_redis, odds_api_stub, client_app)
    odds_api_stub.hold(1)
    queue_collection(client_app)
    assert odds_api_stub.arrived.wait(30), worker.tail()
    worker.kill_child()
    odds_api_stub.release()

    ok = wait_for_ok_run(worker)
    assert len(odds_api_stub.requests) == 2  # the killed call, and the redelivered task's
    assert_collected_once(ok, odds_api_stub)
    killed = CollectorRun.objects.exclude(pk=ok.pk).get()
    assert (killed.status, killed.error_code) == (CollectorRun.FAILED, "WORKER_LOST")
    assert killed.credits_last is None  # its call was charged, but it never heard
    assert killed.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_the_ingestion_collects_once_when_redelivered(
    transactional_db, start_killable_worker, own_redis, odds_api_stub, client_app
):
    worker = collection_worker(start_killable_worker, own_redis, odds_api_stub, client_app)
    # Readers pass; the ingestion's first write to history waits here, with the events and the
    # selections of the response already written in its transaction.
    holder = hold_table(this_database(), "odds_pricehistory")
    try:
        queue_collection(client_app)
        with psycopg_connect() as observer:
            (backend,) = wait_until(
                lambda: waiting_on(observer, "odds_pricehistory"),
                timeout=30,
                what="the ingestion to wait for odds_pricehistory",
                log=worker.tail,
            )
            written = {name for (name,) in observer.execute(WRITTEN_BY, [backend])}
            assert {"odds_event", "odds_selection"} <= written  # half-way through its transaction
            worker.kill_child()
    finally:
        holder.rollback()
        holder.close()

    ok = wait_for_ok_run(worker)
    assert len(odds_api_stub.requests) == 2
    assert_collected_once(ok, odds_api_stub)
    killed = CollectorRun.objects.exclude(pk=ok.pk).get()
    assert (killed.status, killed.error_code) == (CollectorRun.FAILED, "WORKER_LOST")
    assert killed.history_written == 0
    # Its call was charged and is on its own record, before the ingestion: the budget counts each
    # call once.
    assert (killed.credits_last, killed.credits_used) == (COST, COST)
    assert killed.credits_last + ok.credits_last == odds_api_stub.used == 2 * COST


@pytest.mark.django_db(transaction=True)
def test_a_whole_worker_killed_leaves_its_task_to_the_next_worker_after_the_visibility_timeout(
    transactional_db, start_killable_worker, own_redis, odds_api_stub, client_app
):
    # Longer than the second worker takes to start: it finds the task in a later sweep, not its first.
    visibility = 6
    first = collection_worker(
        start_killable_worker, own_redis, odds_api_stub, client_app, CELERY_VISIBILITY_TIMEOUT=str(visibility)
    )
    odds_api_stub.hold(1)
    task = queue_collection(client_app)
    assert odds_api_stub.arrived.wait(30), first.tail()
    first.kill()  # main process and child at once: nothing rejects, acknowledges or restores the task
    killed_at = time.monotonic()
    odds_api_stub.release()
    assert CollectorRun.objects.get().status == CollectorRun.RUNNING

    second = collection_worker(
        start_killable_worker, own_redis, odds_api_stub, client_app, CELERY_VISIBILITY_TIMEOUT=str(visibility)
    )
    ok = wait_for_ok_run(second, timeout=30)
    assert visibility - 1 < time.monotonic() - killed_at < visibility + 10
    assert f"collect_odds[{task.id}] received" in second.log.read_text()
    assert len(odds_api_stub.requests) == 2
    assert_collected_once(ok, odds_api_stub)
    killed = CollectorRun.objects.exclude(pk=ok.pk).get()
    assert (killed.status, killed.error_code) == (CollectorRun.FAILED, "WORKER_LOST")


# The module's own server is an embedded PostgreSQL, never TimescaleDB: what runs on it takes the
# plain path even when the session runs against a TimescaleDB server (TIMESCALE_MODE=on).
ON_OWN_SERVER = {"TIMESCALE_MODE": "auto"}


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """An embedded PostgreSQL of the module's own, migrated: it can be restarted under a worker."""
    postgres = EmbeddedPostgres(tmp_path_factory.mktemp("own") / "pgdata")
    url = postgres.start()
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, **ON_OWN_SERVER},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    yield postgres, url
    postgres.stop()


@pytest.fixture
def own_postgres(own_server):
    """The module's server with no odds yet."""
    postgres, url = own_server
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [name for (name,) in conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'odds%'")]
        conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    return postgres, url


def restart(postgres: EmbeddedPostgres, *, meanwhile: Callable[[], object] = lambda: None) -> None:
    """A fast shutdown (every session ends, open transactions roll back), 1.5 s without a server
    (longer than the first retry delay: the second retry is the one that finds it), and a start on
    the same socket."""
    postgres.stop()
    meanwhile()
    time.sleep(1.5)
    postgres.start()


def runs_in(url: str) -> list[tuple]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT status, error_code, history_written, credits_last, credits_used FROM odds_collectorrun"
        ).fetchall()


def counts_in(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM odds_event), (SELECT count(*) FROM odds_pricehistory), "
            "(SELECT count(*) FROM odds_lease)"
        ).fetchone()


@pytest.mark.parametrize("moment", ["after the download", "during the ingestion"])
def test_a_database_restart_during_a_collection_is_waited_for_and_the_collection_completes(
    moment, own_postgres, start_killable_worker, own_redis, odds_api_stub, client_app
):
    postgres, url = own_postgres
    env = worker_env(database_url=url, redis_url=own_redis.url, api_url=odds_api_stub.url, **ON_OWN_SERVER)
    worker = start_killable_worker(env=env, queues=["collection"], name="restart")
    worker.wait_ready(client_app)
    if moment == "after the download":
        odds_api_stub.hold(1)
        queue_collection(client_app)
        assert odds_api_stub.arrived.wait(30), worker.tail()
        # The worker's connection dies while it waits for the answer, which comes with no server up.
        restart(postgres, meanwhile=odds_api_stub.release)
    else:
        holder = hold_table(url, "odds_pricehistory")
        queue_collection(client_app)
        with psycopg.connect(url, autocommit=True) as observer:
            wait_until(
                lambda: waiting_on(observer, "odds_pricehistory"),
                timeout=30,
                what="the ingestion to wait for odds_pricehistory",
                log=worker.tail,
            )
        restart(postgres)
        holder.close()

    wait_until(
        lambda: [status for status, *_ in runs_in(url)] == [CollectorRun.OK],
        timeout=40,
        what="the collection to complete",
        log=worker.tail,
    )
    assert runs_in(url) == [(CollectorRun.OK, "", HISTORY, COST, COST)]  # one run, its one call's credits
    assert counts_in(url) == (EVENTS, HISTORY, 0)
    assert len(odds_api_stub.requests) == 1  # waited for the database, never called again
    log = worker.log.read_text()
    assert "database unavailable (attempt 1), retrying in 1 s" in log
    assert "database unavailable (attempt 2), retrying in 2 s" in log


def test_a_worker_idle_through_a_database_restart_collects_on_a_new_connection(
    own_postgres, start_killable_worker, own_redis, odds_api_stub, client_app
):
    postgres, url = own_postgres
    env = worker_env(database_url=url, redis_url=own_redis.url, api_url=odds_api_stub.url, **ON_OWN_SERVER)
    worker = start_killable_worker(env=env, queues=["collection"], name="idle")
    worker.wait_ready(client_app)
    queue_collection(client_app)
    wait_until(lambda: [s for s, *_ in runs_in(url)] == [CollectorRun.OK], timeout=30, what="one run", log=worker.tail)
    restart(postgres)  # the pool child's persistent connection is dead now

    queue_collection(client_app)
    wait_until(
        lambda: sorted(status for status, *_ in runs_in(url)) == [CollectorRun.OK, CollectorRun.OK],
        timeout=30,
        what="the second collection to complete",
        log=worker.tail,
    )
    assert counts_in(url) == (EVENTS, HISTORY, 0)  # the same response again: nothing new to write
    assert "database unavailable" not in worker.log.read_text()  # a new connection, no retry needed
