"""From a collection's response to its alert's webhook POST, through a real Celery worker and the
Redis broker, against ingesting and detecting the same response in this process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
from django.conf import settings

from bench.data import SHARP, SPORT, odds_response, truncate_odds, with_value_price
from bench.parallel import child_env
from bench.report import Figure, Report, median, spread, timed
from devtools.launcher import QUEUES

BAR = 1.5
WAIT_SECONDS = 120


class Loopback:
    """An /odds endpoint serving one response and a webhook receiver, on 127.0.0.1, each noting
    when it acted (``time.perf_counter``)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.served_at: float | None = None
        self.served_wall: float | None = None  # time.time(): compared with the times the worker records
        self.posted_at: float | None = None
        self.posted = threading.Event()
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the collector's /v4/sports/{sport}/odds call
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(loopback.body)))
                self.send_header("x-requests-remaining", "100000")
                self.send_header("x-requests-used", "0")
                self.send_header("x-requests-last", "3")
                self.end_headers()
                self.wfile.write(loopback.body)
                self.wfile.flush()
                loopback.served_at, loopback.served_wall = time.perf_counter(), time.time()

            def do_POST(self) -> None:  # an alert's webhook
                arrived = time.perf_counter()
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if not loopback.posted.is_set():
                    loopback.posted_at = arrived
                    loopback.posted.set()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.served_at = self.served_wall = self.posted_at = None
        self.posted.clear()

    def times(self) -> tuple[float, float, float]:
        """(served_at, served_wall, posted_at) of a run whose webhook POST came."""
        assert self.served_at is not None
        assert self.served_wall is not None
        assert self.posted_at is not None
        return self.served_at, self.served_wall, self.posted_at

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def celery_worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A ``celery worker`` process on the broker and the bench database, as conftest.py starts one."""
    from monps.celery import app

    hostname = f"bench-{uuid.uuid4().hex[:8]}@monps"
    app.control.purge()
    celery = str(Path(sys.executable).parent / "celery")
    queues = ",".join(QUEUES)
    command = [celery, "-A", "monps", "worker", "-P", "solo", "-Q", queues, "-n", hostname, "--loglevel=WARNING"]
    with log.open("w") as output:
        process = subprocess.Popen(
            [*command, "--without-gossip", "--without-mingle"],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start (see {log})")
        yield process
    finally:
        process.terminate()
        process.wait(30)


def wait_sent(timeout: float = WAIT_SECONDS) -> None:
    """Until the alert is recorded as sent: the worker has finished the collection's chain."""
    from opportunities.models import Alert

    deadline = time.monotonic() + timeout
    while not Alert.objects.filter(status=Alert.SENT).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the alert was not recorded as sent")
        time.sleep(0.05)


PHASES = (
    "ingestion (response to its run's end)",
    "broker to detection",
    "detection",
    "detection's end to the POST",
)


def phases(loopback: Loopback) -> list[float]:
    """Seconds of each of the PHASES of the last run, from the times the collector run, the
    detection run and the bench's servers recorded."""
    from odds.models import CollectorRun
    from opportunities.models import DetectionRun

    finished_at = CollectorRun.objects.get(kind="odds").finished_at
    assert finished_at is not None  # the run is over: its alert was posted
    collected = finished_at.timestamp()
    detection = DetectionRun.objects.get()
    detected = detection.started_at.timestamp()
    served_at, served_wall, posted_at = loopback.times()
    posted = served_wall + (posted_at - served_at)
    detected_end = detected + detection.duration_ms / 1000
    return [collected - served_wall, detected - collected, detection.duration_ms / 1000, posted - detected_end]


def bench_alerts(report: Report, repeat: int, workdir: Path) -> None:
    from monps.celery import app
    from odds.models import Bookmaker
    from odds.providers.odds_api import decode_json, ingest_odds
    from opportunities.detection import detect
    from opportunities.models import Strategy

    body = orjson.dumps(with_value_price(odds_response(seed=31), datetime.now(UTC)))
    loopback = Loopback(body)
    try:
        Strategy.objects.all().delete()
        Strategy.objects.create(
            name="bench alerts",
            reference_bookmaker=Bookmaker.objects.get(key=SHARP),
            min_edge=Decimal("0.02"),
            max_price_age_minutes=10**6,
            alert_min_edge=Decimal("0.2"),  # the one value price planted in the response
            alert_email=False,
            webhook_url=f"{loopback.url}/alert",
        )

        in_process: list[tuple[float, float]] = []

        def ingest_and_detect() -> None:
            started = time.perf_counter()
            _, result = ingest_odds(decode_json(body))
            ingested = time.perf_counter()
            assert detect(event_ids=result.event_ids).created
            in_process.append((ingested - started, time.perf_counter() - ingested))

        reference = timed(ingest_and_detect, repeat, setup=truncate_odds)
        env = {
            **child_env(),
            "ODDS_API_KEY": "bench",
            "ODDS_API_BASE_URL": loopback.url,
            "ODDS_API_SPORTS": SPORT,
            "ALERT_EMAIL_TO": "",
        }
        latencies, parts = [], []
        workdir.mkdir(parents=True, exist_ok=True)
        with celery_worker(env, workdir / "worker.log"):  # purges the alerts the reference queued
            for run in range(repeat + 1):  # the first warms the worker up
                truncate_odds()
                loopback.reset()
                app.send_task("odds.tasks.collect_odds", kwargs={"sport_key": SPORT})
                if not loopback.posted.wait(WAIT_SECONDS):
                    raise RuntimeError(f"no webhook POST within {WAIT_SECONDS} s (see {workdir / 'worker.log'})")
                wait_sent()
                if run:
                    served_at, _, posted_at = loopback.times()
                    latencies.append(posted_at - served_at)
                    parts.append(phases(loopback))
    finally:
        loopback.close()
        Strategy.objects.filter(name="bench alerts").delete()
    ratio = median(latencies) / median(reference)
    report.add(
        Figure(
            "alerts: collection's response to webhook POST",
            median(latencies),
            "s",
            spread=spread(latencies),
            reference=median(reference),
            ratio=ratio,
            bar=f"<= {BAR}x ingest+detect",
            passed=ratio <= BAR,
        )
    )
    for index, name in enumerate(("ingestion", "detection")):
        seconds = [run[index] for run in in_process]
        report.add(Figure(f"alerts: {name} in this process", median(seconds), "s", bar="(for reference)"))
    for index, name in enumerate(PHASES):  # where the time goes
        seconds = [run[index] for run in parts]
        report.add(Figure(f"alerts: {name}", median(seconds), "s", spread=spread(seconds), bar="(for reference)"))
