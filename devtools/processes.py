"""Real processes for fault tests: a Celery worker that can be killed, the Odds API replaced by a local
HTTP server serving recorded responses, and the database's own view of who waits for what."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import psutil
import psycopg
from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
CELERY = str(Path(sys.executable).parent / "celery")
API_KEY = "fault-test-key-0123456789"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float,
    what: str,
    every: float = 0.05,
    log: Callable[[], str] | None = None,
) -> T:
    """Poll ``condition`` until it is true; fail with ``what`` (and ``log()`` then, e.g. the tail of a
    worker's log) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{log() if log else ''}")
        time.sleep(every)


class OddsApiStub:
    """The Odds API's ``/v4/sports/{sport}/odds`` on 127.0.0.1, answering with a recorded body and the
    usage headers the API documents: every request is charged markets × regions credits when it
    arrives, as the API charges a call it processed whether or not the caller read the answer.

    ``hold(n)`` makes the next ``n`` requests wait until ``release()``: the caller is then known to
    be in the middle of its download."""

    def __init__(self, body: bytes, *, monthly_credits: int = 500) -> None:
        self.body, self.monthly_credits = body, monthly_credits
        self.used = 0
        self.requests: list[dict[str, list[str]]] = []  # each query string, parsed
        self._held, self._lock = 0, threading.Lock()
        self.arrived, self._release = threading.Event(), threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> OddsApiStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def hold(self, count: int = 1) -> None:
        self._held, self._release = count, threading.Event()
        self.arrived.clear()

    def release(self) -> None:
        self._release.set()

    def _charge(self, query: dict[str, list[str]]) -> tuple[int, bool]:
        markets = query.get("markets", [""])[0].split(",")
        regions = query.get("regions", [""])[0].split(",")
        cost = len(markets) * len(regions)
        with self._lock:
            self.used += cost
            held = self._held > 0
            self._held -= held
            self.requests.append(query)
        return cost, held

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if not parts.path.endswith("/odds") or query.get("apiKey") != [API_KEY]:
                    self.send_error(404)
                    return
                cost, held = stub._charge(query)
                used = stub.used
                if held:
                    stub.arrived.set()
                    stub._release.wait(30)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller was killed
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(stub.body)))
                    self.send_header("x-requests-used", str(used))
                    self.send_header("x-requests-remaining", str(stub.monthly_credits - used))
                    self.send_header("x-requests-last", str(cost))
                    self.end_headers()
                    self.wfile.write(stub.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@dataclass(frozen=True)
class Answer:
    """One reply of a ``LocalApi``: a status, a body and headers; ``reset`` instead hangs up with a
    TCP reset before any status line, as a dropped connection does."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False

    def send(self, handler: BaseHTTPRequestHandler) -> None:
        if self.reset:
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            return
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(self.body)))
        for name, value in self.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(self.body)


class LocalApi:
    """A stand-in for an outside HTTP API (The Odds API, Telegram's Bot API) on 127.0.0.1: each
    request's path (query included) is kept in ``paths``, its body (empty for a GET) in ``bodies``
    and its arrival in ``arrivals``; then it gets the next of ``answers`` (the last one again once
    they run out), or ``answer(handler)`` when a test writes its own reply."""

    def __init__(self, *answers: Answer, answer: Callable[[BaseHTTPRequestHandler], None] | None = None) -> None:
        api = self
        self.answers, self.answer = answers, answer
        self.paths: list[str] = []
        self.bodies: list[bytes] = []
        self.arrivals: list[float] = []  # time.monotonic() of each request
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with api._lock:
                    api.paths.append(self.path)
                    api.bodies.append(body)
                    api.arrivals.append(time.monotonic())
                    turn = len(api.paths) - 1
                if api.answer is not None:
                    api.answer(self)
                else:
                    api.answers[min(turn, len(api.answers) - 1)].send(self)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll: stop() returns within 50 ms rather than serve_forever's default half second.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> LocalApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def broker(url: str) -> Celery:
    """A Celery client of the broker at ``url``, routing tasks as monps does, to send tasks and ping
    workers without touching the application's own broker connection."""
    app = Celery("fault-client", broker=url, set_as_current=False)
    app.conf.task_routes = settings.CELERY_TASK_ROUTES
    app.conf.broker_connection_retry_on_startup = True
    return app


class Worker:
    """A ``celery worker`` process (prefork, one child by default) with its log in a file."""

    def __init__(
        self, *, log: Path, env: dict[str, str], queues: list[str], pool: str = "prefork", name: str = ""
    ) -> None:
        self.log, self.env, self.queues, self.pool = log, env, queues, pool
        self.hostname = f"{name or 'fault'}-{uuid.uuid4().hex[:6]}@monps"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        command = [CELERY, "-A", "monps", "worker", "-P", self.pool, "-Q", ",".join(self.queues)]
        command += ["-n", self.hostname, "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        if self.pool == "prefork":
            command += ["--concurrency", "1"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def wait_ready(self, client: Celery, timeout: float = 60) -> None:
        def answers() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, f"the worker exited\n{self.tail()}"
            return bool(client.control.ping(destination=[self.hostname], timeout=0.5))

        wait_until(answers, timeout=timeout, what=f"worker {self.hostname} to answer", log=self.tail)

    def children(self) -> list[psutil.Process]:
        assert self.process is not None
        return psutil.Process(self.process.pid).children()

    def kill_child(self) -> int:
        """SIGKILL the pool child (the one running the task, with one child): its main process lives on."""
        (child,) = self.children()
        child.send_signal(signal.SIGKILL)
        wait_until(lambda: _dead(child), timeout=10, what=f"pool child {child.pid} to die")
        return child.pid

    def kill(self) -> None:
        """SIGKILL the main process and its children at once: nothing of it acknowledges or restores."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """The test is over: nothing of the worker is worth a warm shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _dead(process: psutil.Process) -> bool:
    """Gone, or a zombie its parent has not reaped yet (it runs nothing more)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


WAITING_ON = """
SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE c.relname = %s AND NOT l.granted AND l.pid <> pg_backend_pid()
"""


def hold_table(url: str, table: str) -> psycopg.Connection:
    """A connection in a transaction holding ``table`` in SHARE mode: readers pass, and the first
    process that writes to it waits, inside its own transaction, until this one ends."""
    conn = psycopg.connect(url)
    conn.execute(f"LOCK TABLE {table} IN SHARE MODE")
    return conn


def waiting_on(conn: psycopg.Connection, table: str) -> list[int]:
    """Backends waiting for a lock on ``table`` (seen from another connection than the holder's)."""
    return [pid for (pid,) in conn.execute(WAITING_ON, [table]).fetchall()]


def worker_env(*, database_url: str, redis_url: str, api_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a worker on these servers, collecting soccer_epl (uk, h2h and spreads: 2
    credits a call) from ``api_url``."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "CACHE_URL"}}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        ODDS_API_KEY=API_KEY,
        ODDS_API_BASE_URL=api_url or "http://127.0.0.1:1",
        ODDS_API_REGIONS="uk",
        ODDS_API_MARKETS="h2h,spreads",
        ODDS_API_SPORTS="soccer_epl",
        ODDS_API_CREDIT_RESERVE="25",
        ODDS_API_MONTHLY_CREDITS="500",
        LOG_FORMAT="plain",
    )
    env.update(extra)
    return env
