import json

import pytest


@pytest.mark.django_db
def test_pages_redirect_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_admin_needs_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") or response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_api_answers_401_in_json_without_credentials(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert json.loads(response.content) == {
        "detail": "Authentication credentials were not provided.",
        "errors": {},
    }


@pytest.mark.django_db
def test_login_page_is_public(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_logged_in_user_sees_the_dashboard(auth_client):
    response = auth_client.get("/")
    assert response.status_code == 200
    assert b"<h1>Dashboard</h1>" in response.content


def test_login_with_password_works(client, user):
    response = client.post("/accounts/login/", {"username": "bettor", "password": "a-long-test-password"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_icon_is_public_wherever_a_browser_asks_for_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
