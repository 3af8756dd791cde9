"""The Content-Security-Policy: one strict policy on every response, and templates that need no more.
Browsers check that pages pass it in test_browser_security.py."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
    " base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


def directives(header: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/health/", "/api/bets/", "/admin/login/", "/favicon.ico"])
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    assert directives(response["Content-Security-Policy"]) == directives(POLICY)


def test_pages_and_the_api_docs_carry_the_policy(auth_client):
    for path in ("/", "/opportunities/", "/bets/", "/stats/", "/settings/", "/api/docs/", "/api/docs/?script="):
        response = auth_client.get(path)
        assert response.status_code == 200, path
        assert directives(response["Content-Security-Policy"]) == directives(POLICY), path


def test_static_files_carry_the_policy(client):
    icon = client.get(client.get("/favicon.ico")["Location"])
    assert icon.status_code == 200
    assert directives(icon["Content-Security-Policy"]) == directives(POLICY)


# What a strict policy refuses in markup: scripts without src (JSON data blocks run nothing and are
# allowed), <style> blocks, style="" attributes and on*="" handlers.
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=",
    re.IGNORECASE,
)


def test_our_templates_and_static_files_have_no_inline_scripts_or_styles():
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*.html"), *ROOT.glob("static/**/*.svg")]
    assert files
    found = [f"{path.relative_to(ROOT)}: {hit.group(0)}" for path in files for hit in INLINE.finditer(path.read_text())]
    assert found == []


def test_htmx_injects_no_style_and_evaluates_no_code(auth_client):
    page = auth_client.get("/").content.decode()
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', page).group(1))
    assert (config["includeIndicatorStyles"], config["allowEval"]) == (False, False)
    # A form refused with its errors (422) is swapped in like a 200; other errors are not.
    assert config["responseHandling"] == [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ]
