import os
import socket
import subprocess
import sys
from pathlib import Path

import psycopg

from devtools.servers import EmbeddedPostgres, EmbeddedRedis
from ops.probes import redis_ping

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_embedded_redis_starts_answers_and_stops(tmp_path):
    redis = EmbeddedRedis(tmp_path / "redis", free_port())
    url = redis.start()
    try:
        assert redis_ping(url) is True
    finally:
        redis.stop()
    assert redis_ping(url) is False


def test_embedded_redis_keeps_its_data_across_a_restart(tmp_path):
    import redis

    server = EmbeddedRedis(tmp_path / "redis", free_port())
    url = server.start()
    try:
        redis.Redis.from_url(url).rpush("collection", "a queued task")
        server.stop()  # saved on the way down
        server.start()
        assert redis.Redis.from_url(url).lrange("collection", 0, -1) == [b"a queued task"]
    finally:
        server.stop()


def test_embedded_redis_reuses_a_server_already_on_its_port(tmp_path):
    first = EmbeddedRedis(tmp_path / "a", free_port())
    first.start()
    try:
        second = EmbeddedRedis(tmp_path / "b", first.port)
        assert second.start() == first.url
        second.stop()  # it started nothing, so it stops nothing
        assert redis_ping(first.url) is True
    finally:
        first.stop()


def test_embedded_postgres_starts_creates_the_database_and_stops(tmp_path):
    postgres = EmbeddedPostgres(tmp_path / "pgdata")
    url = postgres.start()
    try:
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("monps",)
            assert conn.execute("SHOW server_version_num").fetchone()[0] >= "150000"
    finally:
        postgres.stop()
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()


def test_launcher_exec_exports_the_embedded_servers_and_stops_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"}}
    port = free_port()
    env.update(MONPS_VAR=str(tmp_path), MONPS_REDIS_PORT=str(port))
    code = (
        "import os, psycopg, redis;"
        "print(psycopg.connect(os.environ['DATABASE_URL']).execute('select 1').fetchone()[0]);"
        "print(redis.Redis.from_url(os.environ['REDIS_URL']).ping());"
        "print(len(os.environ['DJANGO_SECRET_KEY']) >= 50)"
    )
    result = subprocess.run(
        [sys.executable, "-m", "devtools.launcher", "exec", "--", sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-3:] == ["1", "True", "True"]
    assert redis_ping(f"redis://127.0.0.1:{port}/0") is False
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
