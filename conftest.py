"""Shared fixtures: real servers only. A server a test needs but cannot reach fails the test under
CI=true (never a silent skip); on a developer's machine it skips with the reason."""

from __future__ import annotations

import os
import subprocess

import pytest
from django.conf import settings

from devtools.testing import database_url
from ops.probes import redis_ping


class WorkerProcess(subprocess.Popen[bytes]):
    """A ``celery worker`` process, with the hostname it answers pings as."""

    hostname: str


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing server is a failure)")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    require(redis_ping(settings.REDIS_URL), f"Redis not reachable at {settings.REDIS_URL}")
    return settings.REDIS_URL


@pytest.fixture
def user(db):
    from web.tests.factories import UserFactory

    return UserFactory(username="bettor", password="a-long-test-password")


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the real Redis broker and the test database.

    Tests that hand it work must use ``transactional_db`` so it sees their committed rows.
    """
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    from devtools.launcher import QUEUES
    from monps.celery import app

    require(redis_ping(settings.REDIS_URL), f"Redis not reachable at {settings.REDIS_URL}")
    with django_db_blocker.unblock():
        params = connection.settings_dict
    hostname = f"test-{uuid.uuid4().hex[:8]}@monps"
    with app.connection_for_write() as broker:  # messages queued by earlier runs must not reach this database
        for queue in QUEUES:
            # kombu types default_channel as StdChannel, without queue_purge; the transport's Channel has it.
            broker.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
    env = {**os.environ, "DATABASE_URL": database_url(params), "REDIS_URL": settings.REDIS_URL}
    celery = str(Path(sys.executable).parent / "celery")
    process = WorkerProcess(
        [
            celery,
            "-A",
            "monps",
            "worker",
            "-P",
            "solo",
            "-Q",
            ",".join(QUEUES),
            "-n",
            hostname,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start")
    process.hostname = hostname
    yield process
    process.terminate()
    process.wait(30)


@pytest.fixture
def start_celery_worker(transactional_db):
    """Start real ``celery worker`` processes for one test: ``start_celery_worker(*queues, pool=...,
    env=...)`` returns the process (with its ``hostname``) once it answers a ping. Those queues are
    purged first, and workers already running (the session's ``celery_worker``) stop consuming them
    until the test ends, so the test's tasks reach only its own workers; they stop at its end."""
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    from monps.celery import app

    require(redis_ping(settings.REDIS_URL), f"Redis not reachable at {settings.REDIS_URL}")
    celery = str(Path(sys.executable).parent / "celery")
    others = [name for reply in app.control.ping(timeout=0.5) or [] for name in reply]
    started: list[WorkerProcess] = []
    taken: list[str] = []

    def purge(queues: list[str]) -> None:
        with app.connection_for_write() as broker:
            for queue in queues:
                # kombu types default_channel as StdChannel, without queue_purge; the transport's Channel has it.
                broker.default_channel.queue_purge(queue)  # type: ignore[attr-defined]

    def start(*queues: str, pool: str = "solo", env: dict[str, str] | None = None) -> WorkerProcess:
        for queue in queues:
            if queue in taken:
                continue
            if others:
                app.control.cancel_consumer(queue, destination=others, reply=True, timeout=5)
            taken.append(queue)
        purge(list(queues))
        hostname = f"test-{uuid.uuid4().hex[:8]}@monps"
        worker_env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": settings.REDIS_URL,
            **(env or {}),
        }
        command = [celery, "-A", "monps", "worker", "-P", pool, "-c", "1", "-Q", ",".join(queues), "-n", hostname]
        command += ["--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        process = WorkerProcess(command, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        started.append(process)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker on {', '.join(queues)} did not start")
        process.hostname = hostname
        return process

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    purge(taken)  # tasks they had not run (retries waiting for their time) go with them
    for queue in taken if others else []:
        app.control.add_consumer(queue, destination=others, reply=True, timeout=5)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's chromium, driven by Playwright (it cannot download its own browser here)."""
    from devtools.servers import chromium_path

    path = chromium_path()
    require(path is not None, "chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return {
        "executable_path": path,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of the test's own (a free port, its data in tmp_path): it can be stopped and
    started, and nothing queued in it reaches the session's worker."""
    from devtools.processes import free_port
    from devtools.servers import EmbeddedRedis

    redis = EmbeddedRedis(tmp_path / "redis", free_port())
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def odds_api_stub():
    """The Odds API on 127.0.0.1, answering /odds with a recorded response (odds/tests/data/SOURCES.md)."""
    from pathlib import Path

    from devtools.processes import OddsApiStub

    body = (Path(__file__).parent / "odds" / "tests" / "data" / "epl_odds_2024-01-15.json").read_bytes()
    stub = OddsApiStub(body).start()
    yield stub
    stub.stop()


@pytest.fixture
def local_api():
    """Start ``devtools.processes.LocalApi`` servers (The Odds API on 127.0.0.1, scripted by the test);
    each stops when the test ends."""
    from devtools.processes import LocalApi

    servers = []

    def start(*answers, answer=None) -> LocalApi:
        servers.append(LocalApi(*answers, answer=answer).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_killable_worker(tmp_path, own_redis):
    """Start real ``celery worker`` processes (on ``own_redis`` or another broker of the test's); each
    is killed when the test ends, before its broker stops. Request it after ``transactional_db``, so
    that workers are gone before the database is flushed."""
    from devtools.processes import Worker

    workers: list[Worker] = []

    def start(*, env: dict[str, str], queues: list[str], pool: str = "prefork", name: str = "") -> Worker:
        worker = Worker(log=tmp_path / f"worker-{len(workers)}.log", env=env, queues=queues, pool=pool, name=name)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
