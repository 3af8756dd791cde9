import pytest
from django.db import connection

from ops.timescale import active_path


@pytest.mark.django_db
def test_health_is_public_and_reports_every_part(client, redis_url):
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["database"]["up"] is True
    assert body["redis"] == {"up": True}
    assert body["timescale"] == active_path(connection)  # "plain" on the embedded server (test_timescale)
    assert body["collector"]["ok"] is True
    assert set(body["worker"]) >= {"up", "workers"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_health_is_degraded_with_a_reason_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["redis"] == {"up": False, "error": "Redis did not answer PING"}
    assert body["reasons"] == ["redis: Redis did not answer PING"]
    assert body["worker"]["up"] is False


@pytest.mark.django_db
def test_health_reports_a_worker_that_answers_ping(client, celery_worker):
    body = client.get("/health/").json()
    assert body["worker"]["up"] is True
    assert celery_worker.hostname in body["worker"]["workers"]


@pytest.mark.django_db(transaction=True)
def test_health_answers_503_when_the_database_is_down_even_for_a_logged_in_browser(auth_client):
    from django.db import connections

    connection = connections["default"]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1", OPTIONS={**saved["OPTIONS"], "connect_timeout": 1})
    try:
        response = auth_client.get("/health/")  # with the session cookie of a logged-in user
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["database"]["up"] is False
    assert body["reasons"][0].startswith("database: ")
