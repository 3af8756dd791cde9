"""What can be checked of the production stack without Docker: the compose file and gunicorn."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services(compose):
    assert set(compose["services"]) == {
        "db",
        "redis",
        "migrate",
        "web",
        "worker-collection",
        "worker-detection",
        "worker-settlement",
        "worker-alerts",
        "worker-backtests",
        "beat",
        "flower",
        "prometheus",
        "grafana",
    }
    assert compose["services"]["db"]["image"].startswith("timescale/timescaledb:")
    assert re.search(r"-pg1[67]$", compose["services"]["db"]["image"])
    assert compose["services"]["redis"]["image"].startswith("redis:7")


def test_compose_app_services_run_our_commands_with_production_settings(compose):
    expected = {
        "web": ["gunicorn", "monps.wsgi:application"],
        "worker-collection": ["celery", "-A", "monps", "worker", "-Q", "collection"],
        "worker-detection": ["celery", "-A", "monps", "worker", "-Q", "detection,celery"],
        "worker-settlement": ["celery", "-A", "monps", "worker", "-Q", "settlement"],
        "worker-alerts": ["celery", "-A", "monps", "worker", "-Q", "alerts"],
        "worker-backtests": ["celery", "-A", "monps", "worker", "-Q", "backtests"],
        "beat": ["celery", "-A", "monps", "beat"],
        "flower": ["celery", "-A", "monps", "flower"],
        "migrate": ["python", "manage.py", "migrate"],
    }
    for name, prefix in expected.items():
        service = compose["services"][name]
        assert service["command"][: len(prefix)] == prefix, name
        assert service["environment"]["MONPS_ENV"] == "production"
        assert service["environment"]["TIMESCALE_MODE"] == "on"
        assert service["env_file"] == ".env"
    assert "DatabaseScheduler" in " ".join(compose["services"]["beat"]["command"])
    assert compose["services"]["flower"]["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")


def test_compose_workers_consume_every_routed_queue_and_ports_stay_on_loopback(compose):
    from django.conf import settings

    consumed = set()
    for name, service in compose["services"].items():
        if name.startswith("worker-"):
            consumed |= set(service["command"][service["command"].index("-Q") + 1].split(","))
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {"celery"} == consumed
    ports = [port for service in compose["services"].values() for port in service.get("ports", [])]
    assert len(ports) == 4  # web, Flower, Prometheus, Grafana
    assert [port for port in ports if not port.startswith("127.0.0.1:")] == []


def test_every_variable_of_the_env_example_is_read_by_the_settings():
    settings_text = (ROOT / "monps" / "settings.py").read_text()
    names = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M)
    compose_only = {"POSTGRES_PASSWORD", "FLOWER_BASIC_AUTH", "GRAFANA_ADMIN_PASSWORD"}
    missing = [n for n in names if n not in compose_only and f'"{n}"' not in settings_text]
    assert missing == []


def test_mounted_config_files_exist(compose):
    for service in ("prometheus", "grafana"):
        for volume in compose["services"][service]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert prometheus["scrape_configs"][0]["metrics_path"] == "/metrics"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_app(redis_url):
    from django.db import connection

    from devtools.testing import database_url

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    params = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": database_url(params), "REDIS_URL": redis_url}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "monps.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health/", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                assert process.poll() is None, process.stdout.read().decode()
                time.sleep(0.2)
        assert response.status_code == 200, response.text
        assert response.json()["database"]["up"] is True
        login = requests.get(f"http://127.0.0.1:{port}/", timeout=5, allow_redirects=False)
        assert login.status_code == 302
        assert login.headers["Location"] == "/accounts/login/?next=/"
    finally:
        process.terminate()
        process.wait(20)
