import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from monps import settings as monps_settings

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in {"MONPS_ENV", "DJANGO_SECRET_KEY"}}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_database_from_url_reads_a_socket_url():
    entry = monps_settings.database_from_url("postgresql://postgres:@/monps?host=/tmp/pg%20data")
    assert entry["NAME"] == "monps"
    assert entry["USER"] == "postgres"
    assert entry["HOST"] == "/tmp/pg data"
    assert entry["ENGINE"] == "django_prometheus.db.backends.postgresql"


def test_database_from_url_reads_a_tcp_url_with_options():
    entry = monps_settings.database_from_url("postgresql://monps:s3cret@db:5433/prod?sslmode=require")
    assert (entry["HOST"], entry["PORT"], entry["PASSWORD"], entry["NAME"]) == ("db", "5433", "s3cret", "prod")
    assert entry["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("MONPS_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="MONPS_X='maybe' is not a boolean"):
        monps_settings.env_bool("MONPS_X")
    monkeypatch.setenv("MONPS_X", "TRUE")
    assert monps_settings.env_bool("MONPS_X") is True


def test_env_int_names_the_variable(monkeypatch):
    monkeypatch.setenv("ODDS_API_CREDIT_RESERVE", "ten")
    with pytest.raises(ImproperlyConfigured, match="ODDS_API_CREDIT_RESERVE='ten' is not a whole number"):
        monps_settings.env_int("ODDS_API_CREDIT_RESERVE", 1)


def test_settings_come_from_the_environment():
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='monps.settings';"
        "from django.conf import settings as s;"
        "print(s.ODDS_API_CREDIT_RESERVE, s.TIMESCALE_MODE, s.ALLOWED_HOSTS, s.DATABASES['default']['HOST'])",
        ODDS_API_CREDIT_RESERVE="42",
        TIMESCALE_MODE="off",
        ALLOWED_HOSTS="a.example,b.example",
        DATABASE_URL="postgresql://u@dbhost/monps",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42 off ['a.example', 'b.example'] dbhost"


def test_production_without_secret_key_refuses_to_start():
    result = run_python("import monps.settings", MONPS_ENV="production")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when MONPS_ENV=production" in result.stderr


def test_timescale_mode_is_validated():
    result = run_python("import monps.settings", TIMESCALE_MODE="sometimes")
    assert "TIMESCALE_MODE='sometimes': use auto, on or off" in result.stderr


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "MONPS_ENV": "production",
            "ALLOWED_HOSTS": "monps.example.com",
            "DJANGO_SECRET_KEY": "x7Gq!2mZ#pL9vR4tY8wK1nB6cF3hJ5dS0aQ*eU&iO-uT+yP@lM",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_servers_started_by_tests_get_every_part_of_the_database_url():
    from psycopg.conninfo import conninfo_to_dict

    from devtools.testing import database_url
    from monps.settings import database_from_url

    params = database_from_url("postgresql://monps:s3cret@db.internal:6543/monps?sslmode=require")
    assert conninfo_to_dict(database_url(params)) == {
        "dbname": "monps",
        "user": "monps",
        "password": "s3cret",
        "host": "db.internal",
        "port": "6543",
        "sslmode": "require",
        "options": "-c jit=off",
    }
    socket = database_from_url("postgresql://postgres@/monps_test?host=/work/var/pgdata")
    assert conninfo_to_dict(database_url(socket)) == {
        "dbname": "monps_test",
        "user": "postgres",
        "host": "/work/var/pgdata",
        "options": "-c jit=off",
    }


def test_redis_database_names_another_database_of_the_same_server():
    assert monps_settings.redis_database("redis://127.0.0.1:6389/0", 1) == "redis://127.0.0.1:6389/1"
    assert monps_settings.redis_database("rediss://:pw@cache:6380", 1) == "rediss://:pw@cache:6380/1"
    assert monps_settings.redis_database("unix:///run/redis.sock?db=0", 1) == "unix:///run/redis.sock?db=0"


def test_clearing_the_cache_keeps_the_queued_tasks(redis_url, settings):
    import redis
    from django.core.cache import cache

    assert settings.CACHE_URL != settings.CELERY_BROKER_URL
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.rpush("monps-test-queue", "a task")
    try:
        cache.set("monps-test-key", 1)
        cache.clear()
        assert cache.get("monps-test-key") is None
        assert broker.lrange("monps-test-queue", 0, -1) == [b"a task"]
    finally:
        broker.delete("monps-test-queue")


@pytest.mark.django_db
def test_connections_run_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
