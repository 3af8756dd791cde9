"""The site under load, served as ``make run`` serves it: gunicorn (``devtools.launcher``'s web
process) on a loopback port, a Celery worker on every queue, the demo market ticking meanwhile so
collection and detection run. Locust (headless, a process of its own) browses with one user, then
with 50; then 50 users log in at once while a few logged-in browsers keep requesting pages.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import requests
from django.conf import settings

from bench.alerts import celery_worker
from bench.data import truncate_odds
from bench.parallel import child_env
from bench.report import Figure, Report, p95

USERS = 50
PREFIX = "bench-load-"
PASSWORD = secrets.token_urlsafe(16)  # this run's bench-only users, in the bench's own database
BAR = 10
REFERENCE_SECONDS = 30
LOAD_SECONDS = 60
TICK_SECONDS = 5
STORM_BROWSERS = 5
LOGIN = "/accounts/login/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_users() -> None:
    """USERS users with PASSWORD, hashed once: creating them costs one hash, not fifty."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    user = get_user_model()
    user.objects.filter(username__startswith=PREFIX).delete()
    hashed = make_password(PASSWORD)
    user.objects.bulk_create([user(username=f"{PREFIX}{n:02d}", password=hashed) for n in range(USERS)])


def hash_seconds() -> float:
    from django.contrib.auth.hashers import make_password

    started = time.perf_counter()
    make_password(PASSWORD)
    return time.perf_counter() - started


@contextmanager
def web_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """``devtools.launcher._processes()["web"]`` on a free loopback port; its URL once /health/ answers."""
    from devtools.launcher import _processes

    port = free_port()
    with mock.patch.dict("os.environ", {"MONPS_HOST": "127.0.0.1", "MONPS_PORT": str(port)}):
        command = _processes()["web"]
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/health/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the web server did not start (see {log})")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def demo_ticks(every: float = TICK_SECONDS) -> Iterator[list[int]]:
    """``odds.tasks.demo_tick`` sent to the worker every few seconds; yields the list of ticks sent."""
    from monps.celery import app

    sent: list[int] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            app.send_task("odds.tasks.demo_tick")
            sent.append(1)
            stop.wait(every)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield sent
    finally:
        stop.set()
        thread.join(every + 5)


@dataclass
class Samples:
    """One locust run's requests: name, seconds, error (None: none), whether every user had logged in."""

    rows: list[tuple[str, float, str | None, bool]]

    @property
    def errors(self) -> list[str]:
        return [f"{name}: {error}" for name, _, error, _ in self.rows if error is not None]

    def names(self) -> list[str]:
        return sorted({name for name, *_ in self.rows})

    def p95(self, name: str, *, browsing: bool) -> float | None:
        """The p95 of this request's seconds; ``browsing``: only once every user had logged in."""
        seconds = [s for n, s, _, logged_in in self.rows if n == name and (logged_in or not browsing)]
        return p95(seconds) if seconds else None


def locust(url: str, users: int, seconds: int, out: Path, env: dict[str, str]) -> Samples:
    """A headless locust run of bench/locustfile.py (its CSV files under ``out``)."""
    locust_bin = str(Path(sys.executable).parent / "locust")
    prefix = out / f"load-{users}"
    samples = out / f"load-{users}-samples.json"
    command = [
        *(locust_bin, "-f", str(Path(__file__).with_name("locustfile.py")), "--headless", "--host", url),
        *("-u", str(users), "-r", "10", "-t", f"{seconds}s", "--stop-timeout", "10"),
        *("--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0"),
    ]
    with (out / f"locust-{users}.log").open("w") as output:
        subprocess.run(
            command,
            env={**env, "LOAD_RUN_USERS": str(users), "LOAD_SAMPLES": str(samples)},
            cwd=settings.BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=seconds + 120,
            check=True,
        )
    return Samples([tuple(row) for row in json.loads(samples.read_text())])


def login(url: str, username: str, barrier: threading.Barrier | None = None) -> tuple[requests.Session | None, int]:
    """A session logged in as this user (None if the login failed), and the other requests that failed."""
    session = requests.Session()
    errors = 0
    try:
        page = session.get(f"{url}{LOGIN}", timeout=60)
        errors += page.status_code != 200
        token = session.cookies.get("csrftoken", "")
        if barrier is not None:
            barrier.wait(60)
        answer = session.post(
            f"{url}{LOGIN}",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"},
            headers={"Referer": f"{url}{LOGIN}"},
            timeout=120,
        )
    except requests.RequestException:
        return None, errors + 1
    if answer.status_code != 200 or LOGIN in answer.url:
        return None, errors
    return session, errors


def storm(url: str, event: str) -> tuple[int, int, int, float]:
    """USERS logins released at once while STORM_BROWSERS logged-in sessions keep requesting pages:
    the logins that succeeded, the other requests, those that failed, and the storm's seconds."""
    logged_in = [login(url, f"{PREFIX}{n:02d}")[0] for n in range(STORM_BROWSERS)]
    browsers = [session for session in logged_in if session is not None]
    if len(browsers) < len(logged_in):
        raise RuntimeError("the storm's browsers could not log in")
    done = threading.Event()
    counts = {"requests": 0, "errors": 0}

    def browse(session: requests.Session) -> None:
        while not done.is_set():
            for path in ("/", "/opportunities/", "/bets/", "/stats/", event, "/api/opportunities/"):
                try:
                    answer = session.get(f"{url}{path}", timeout=120, allow_redirects=False)
                    counts["errors"] += answer.status_code != 200
                except requests.RequestException:
                    counts["errors"] += 1
                counts["requests"] += 1
                if done.is_set():
                    return

    barrier = threading.Barrier(USERS + 1)
    with ThreadPoolExecutor(USERS + STORM_BROWSERS) as pool:
        browsing = [pool.submit(browse, session) for session in browsers]
        logins = [pool.submit(login, url, f"{PREFIX}{n:02d}", barrier) for n in range(USERS)]
        barrier.wait(120)
        started = time.perf_counter()
        results = [future.result() for future in logins]
        seconds = time.perf_counter() - started
        done.set()
        for future in browsing:
            future.result()
    succeeded = sum(session is not None for session, _ in results)
    errors = counts["errors"] + sum(failed for _, failed in results)
    return succeeded, counts["requests"] + USERS, errors, seconds


def bench_load(report: Report, workdir: Path) -> None:
    from odds.models import Event

    started = time.monotonic()
    out = workdir / "load"
    out.mkdir(parents=True, exist_ok=True)
    # The site as a fresh make run has it, the demo market alone: the pages step measures history's size.
    truncate_odds()
    env = {k: v for k, v in child_env().items() if k not in ("ODDS_API_KEY", "PRODUCTION", "MONPS_PRODUCTION")}
    subprocess.run(
        [sys.executable, "manage.py", "demo_market", "--days", "1", "--bankroll", "0"],
        env=env,
        cwd=settings.BASE_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    bench_users()
    event = Event.objects.filter(commence_time__gt=datetime.now(UTC)).order_by("commence_time").first()
    if event is None:
        event = Event.objects.order_by("-commence_time").first()
    if event is None:
        raise RuntimeError("load: demo_market made no event")
    event_path = f"/events/{event.pk}/"
    locust_env = {
        **env,
        "LOAD_USER_PREFIX": PREFIX,
        "LOAD_USER_COUNT": str(USERS),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_EVENT": event_path,
    }
    with (
        celery_worker(env, out / "worker.log"),
        web_server(env, out / "web.log") as url,
        demo_ticks() as ticks,
    ):
        one = locust(url, 1, REFERENCE_SECONDS, out, locust_env)
        many = locust(url, USERS, LOAD_SECONDS, out, locust_env)
        succeeded, others, storm_errors, storm_seconds = storm(url, event_path)
    errors = one.errors + many.errors
    report.add(
        Figure(
            f"load: failed requests, 1 then {USERS} users",
            len(errors),
            "requests",
            reference=len(one.rows) + len(many.rows),
            bar="== 0",
            passed=not errors,
        )
    )
    for error in sorted(set(errors))[:10]:
        print(f"  {error}", flush=True)
    for name in many.names():
        everyone = many.p95(name, browsing=False)
        assert everyone is not None  # a request it names was made
        if name.startswith("login"):
            report.add(Figure(f"load: p95 of {name}, {USERS} users", everyone, "s", bar="(for reference)"))
            continue
        reference, value = one.p95(name, browsing=True), many.p95(name, browsing=True)
        if reference is None or value is None:
            raise RuntimeError(f"load: no {name} requested in both runs")
        ratio = value / reference
        report.add(
            Figure(
                f"load: p95 of {name}, {USERS} users logged in",
                value,
                "s",
                reference=reference,
                ratio=ratio,
                bar=f"<= {BAR}x 1 user",
                passed=ratio <= BAR,
            )
        )
        report.add(
            Figure(
                f"load: p95 of {name}, {USERS} users, logins too",
                everyone,
                "s",
                bar="(for reference)",
            )
        )
    report.add(
        Figure(f"load: requests/s, {USERS} users", len(many.rows) / LOAD_SECONDS, "req/s", bar="(for reference)")
    )
    report.add(
        Figure(
            f"load: login storm, {USERS} at once, logins that succeeded",
            succeeded,
            "logins",
            reference=USERS,
            bar=f"== {USERS}",
            passed=succeeded == USERS,
        )
    )
    report.add(
        Figure(
            "load: login storm, other requests that failed",
            storm_errors,
            "requests",
            reference=others,
            bar="== 0",
            passed=storm_errors == 0,
        )
    )
    report.add(Figure(f"load: login storm, {USERS} logins", storm_seconds, "s", bar="(for reference)"))
    report.add(Figure("load: one password hash in this process", hash_seconds(), "s", bar="(for reference)"))
    report.add(Figure("load: demo ticks sent meanwhile", len(ticks), "ticks", bar="(for reference)"))
    report.add(Figure("load: the step, start to end", time.monotonic() - started, "s", bar="(for reference)"))
