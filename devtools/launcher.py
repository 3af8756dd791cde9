"""Start what monps needs and run it: ``python -m devtools.launcher run`` or ``exec -- COMMAND``.

``run``  starts the embedded servers (unless DATABASE_URL / REDIS_URL point elsewhere), migrates,
         creates the first user, loads the demo market when there is no ODDS_API_KEY, then serves the
         site with a Celery worker, Celery beat and Flower until Ctrl-C.
``exec`` starts the embedded servers, runs COMMAND with DATABASE_URL and REDIS_URL exported, stops them.
``env``  prints the export lines for a shell whose servers are already running (``make run`` elsewhere).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from devtools.servers import EmbeddedPostgres, EmbeddedRedis, var_dir

ROOT = Path(__file__).resolve().parent.parent
# The queues of monps.settings.CELERY_TASK_ROUTES, and Celery's default one.
QUEUES = ("collection", "detection", "settlement", "alerts", "backtests", "celery")


class Servers:
    """The embedded servers this process started, stopped again on exit."""

    def __init__(self) -> None:
        self.var = var_dir()
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None

    def start(self) -> dict[str, str]:
        env: dict[str, str] = {}
        if not os.environ.get("DATABASE_URL"):
            self.postgres = EmbeddedPostgres(self.var / "pgdata")
            env["DATABASE_URL"] = self.postgres.start()
            print(f"monps: embedded PostgreSQL running, data in {self.var / 'pgdata'}", flush=True)
        if not os.environ.get("REDIS_URL"):
            port = int(os.environ.get("MONPS_REDIS_PORT", "6389"))
            self.redis = EmbeddedRedis(self.var / "redis", port)
            env["REDIS_URL"] = self.redis.start()
            print(f"monps: embedded Redis on 127.0.0.1:{port}, data in {self.var / 'redis'}", flush=True)
        if not os.environ.get("DJANGO_SECRET_KEY"):
            env["DJANGO_SECRET_KEY"] = _local_secret_key(self.var)
        os.environ.update(env)
        return env

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()


def _local_secret_key(var: Path, name: str = "secret_key") -> str:
    """A random key kept under var/, so sessions survive restarts of a local install."""
    path = var / name
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def _processes() -> dict[str, list[str]]:
    host = os.environ.get("MONPS_HOST", "127.0.0.1")
    port = os.environ.get("MONPS_PORT", "8000")
    bindir = Path(sys.executable).parent
    celery = str(bindir / "celery")
    return {
        "web": [
            str(bindir / "gunicorn"),
            "monps.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            os.environ.get("WEB_CONCURRENCY", "2"),
            # Threads: a request waiting on the database or on a slow password hash holds no process.
            "--worker-class",
            "gthread",
            "--threads",
            os.environ.get("WEB_THREADS", "4"),
            # Longer than a reader's pause between pages: a connection the server closes as the
            # client sends its next request on it is reset, and the client sees an error.
            "--keep-alive",
            os.environ.get("WEB_KEEPALIVE", "30"),
            "--access-logfile",
            "-",
        ],
        "worker": [
            celery,
            "-A",
            "monps",
            "worker",
            "--loglevel=INFO",
            "--concurrency",
            os.environ.get("CELERY_CONCURRENCY", "2"),
            "-Q",
            ",".join(QUEUES),
            "-n",
            "worker@%h",
        ],
        "beat": [
            celery,
            "-A",
            "monps",
            "beat",
            "--loglevel=INFO",
            "-S",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ],
        "flower": [
            celery,
            "-A",
            "monps",
            "flower",
            "--address=127.0.0.1",
            f"--port={os.environ.get('FLOWER_PORT', '5555')}",
        ],
    }


FLOWER_USER = "monps"
# A process that stays up this long is healthy again: its next exit restarts it without delay.
HEALTHY_AFTER = 300.0
MAX_BACKOFF = 60.0


def _flower_env(var: Path) -> dict[str, str]:
    """Flower asks for a password (kept in var/flower_password), so its API refuses any page the
    browser visits; with authentication on, it also refuses cross-site requests."""
    if os.environ.get("FLOWER_BASIC_AUTH"):
        return dict(os.environ)
    password = _local_secret_key(var, "flower_password")
    return {**os.environ, "FLOWER_BASIC_AUTH": f"{FLOWER_USER}:{password}"}


class Child:
    """One process of the stack, restarted with a growing delay when it exits on its own.

    Hand-written because honcho (like foreman) stops every process when one exits, and cannot restart it.
    """

    def __init__(
        self,
        name: str,
        command: list[str],
        env: dict[str, str] | None,
        *,
        healthy_after: float = HEALTHY_AFTER,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        self.name, self.command, self.env = name, command, env
        self.healthy_after, self.max_backoff = healthy_after, max_backoff
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.failures = 0
        self.restart_at: float | None = None

    def start(self) -> None:
        # Own process group: Ctrl-C in the terminal reaches only us, and we stop the rest in order.
        self.process = subprocess.Popen(self.command, cwd=ROOT, start_new_session=True, env=self.env)
        self.started, self.restart_at = time.monotonic(), None

    def watch(self) -> None:
        """Restart the process once its delay has passed, if it exited."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                print(f"monps: restarting {self.name}", flush=True)
                self.start()
            return
        if self.process is None or self.process.poll() is None:
            return
        self.failures = 1 if now - self.started >= self.healthy_after else self.failures + 1
        delay = min(self.max_backoff, 2.0 ** (self.failures - 1))
        print(f"monps: {self.name} exited with {self.process.returncode}; restarting in {delay:.0f} s", flush=True)
        self.restart_at = now + delay

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run() -> int:
    servers = Servers()
    children: list[Child] = []
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        servers.start()
        _manage("migrate", "--noinput")
        _manage("collectstatic", "--noinput", "--verbosity", "0")
        _manage("ensure_admin")
        if not os.environ.get("ODDS_API_KEY"):
            _manage("demo_market")
        for name, command in _processes().items():
            children.append(Child(name, command, _flower_env(servers.var) if name == "flower" else None))
            children[-1].start()
        host = os.environ.get("MONPS_HOST", "127.0.0.1")
        print(
            f"monps: http://{host}:{os.environ.get('MONPS_PORT', '8000')}/  "
            f"(Flower http://127.0.0.1:{os.environ.get('FLOWER_PORT', '5555')}/, "
            + (
                "FLOWER_BASIC_AUTH's user"
                if os.environ.get("FLOWER_BASIC_AUTH")
                else f"user {FLOWER_USER}, password in {servers.var / 'flower_password'}"
            )
            + ")  Ctrl-C stops.",
            flush=True,
        )
        while not stopping:
            for child in children:
                child.watch()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("monps: stopping…", flush=True)
        for child in children:
            child.stop()
        for child in children:
            child.wait()
        servers.stop()
    return 0


def exec_(command: list[str]) -> int:
    servers = Servers()
    try:
        servers.start()
        return subprocess.call(command, cwd=ROOT)
    except KeyboardInterrupt:
        return 130
    finally:
        servers.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools.launcher")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("run")
    exec_parser = sub.add_parser("exec")
    exec_parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.action == "run":
        return run()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("exec needs a command")
    return exec_(command)


if __name__ == "__main__":
    sys.exit(main())
