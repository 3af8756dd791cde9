"""Shared fixtures: real servers only. A server a test needs but cannot reach fails the test under
CI=true (never a silent skip); on a developer's machine it skips with the reason."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from monps.servers import redis_ping
from monps.testing import database_url


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
def user(db, django_user_model):
    return django_user_model.objects.create_user(username="bettor", password="a-long-test-password")


@pytest.fixture
def auth_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the real Redis broker and the test database.

    Tests that hand it work must use ``transactional_db`` so it sees their committed rows.
    """
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    from monps.celery import app
    from monps.launcher import QUEUES

    require(redis_ping(settings.REDIS_URL), f"Redis not reachable at {settings.REDIS_URL}")
    with django_db_blocker.unblock():
        params = connection.settings_dict
    hostname = f"test-{uuid.uuid4().hex[:8]}@monps"
    app.control.purge()  # messages queued by earlier tests must not reach this test database
    env = {**os.environ, "DATABASE_URL": database_url(params), "REDIS_URL": settings.REDIS_URL}
    celery = str(Path(sys.executable).parent / "celery")
    process = subprocess.Popen(
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


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's chromium, driven by Playwright (it cannot download its own browser here)."""
    from monps.servers import chromium_path

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
