"""/api/docs/: Swagger UI from our own static files (drf-spectacular-sidecar), its start-up script
served as a file, so the page works offline and passes the Content-Security-Policy."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_docs_load_nothing_from_elsewhere(auth_client):
    page = auth_client.get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert len(sources) == 6  # icon, two style sheets, Swagger UI's two scripts, its start-up script
    assert [s for s in sources if not s.startswith("/")] == []
    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.' in page
    assert '<script src="/api/docs/?script="></script>' in page


def test_the_api_docs_have_no_inline_script_or_style(auth_client):
    page = auth_client.get("/api/docs/").content.decode()
    assert re.findall(r"<script>|<style|\sstyle=", page) == []


def test_the_start_up_script_is_served_as_a_file(auth_client):
    script = auth_client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    body = script.content.decode()
    assert 'url: "/api/schema/"' in body
    assert '"validatorUrl": null' in body  # no badge fetched from the public validator


def test_the_api_docs_need_a_login(client):
    assert client.get("/api/docs/").status_code == 401
    assert client.get("/api/docs/?script=").status_code == 401
