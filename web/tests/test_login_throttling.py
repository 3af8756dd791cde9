"""Login throttling (django-axes): ten wrong passwords for one account from one address lock that
pair out for 15 minutes, on our login page and the admin's; the lockout says so on the page, an
admin clears it (the admin, ``manage.py axes_reset``), other accounts and addresses keep working."""

from datetime import timedelta
from html import escape

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from web.tests.factories import TokenFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
WRONG_LOGIN = "Please enter a correct username and password"


def attempt(client: Client, password: str, *, username: str = "bettor", path: str = LOGIN, address: str = "127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, times: int, **kwargs) -> list[int]:
    return [attempt(client, f"wrong-{n}", **kwargs).status_code for n in range(times)]


def locked_out(response) -> bool:
    return response.status_code == 429 and escape(settings.AXES_COOLOFF_MESSAGE) in response.content.decode()


def logged_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_ten_wrong_passwords_then_the_right_one_is_refused(client, user):
    assert fail(client, 9) == [200] * 9  # the form again, with the wrong-password error
    tenth = attempt(client, "wrong-again")
    assert locked_out(tenth)
    right = attempt(client, PASSWORD)
    assert locked_out(right)
    page = right.content.decode()
    assert WRONG_LOGIN not in page  # the lockout replaces the wrong-password error, it does not add to it
    assert 'name="username"' in page  # still the login page, with its form
    assert 'value="bettor"' in page
    assert not logged_in(client)


def test_thirty_wrong_passwords_on_each_login_page_are_all_refused_after_the_tenth(client, user):
    user.is_staff = True
    user.save()
    for path in (LOGIN, ADMIN_LOGIN):
        codes = fail(client, 30, path=path, address="10.0.0.1" if path == LOGIN else "10.0.0.2")
        assert codes == [200] * 9 + [429] * 21, path
        assert locked_out(attempt(client, PASSWORD, path=path, address="10.0.0.1" if path == LOGIN else "10.0.0.2"))
    assert not logged_in(client)


def test_the_admin_login_page_shows_the_lockout_in_its_form(client, user):
    user.is_staff = True
    user.save()
    fail(client, 10, path=ADMIN_LOGIN)
    response = attempt(client, PASSWORD, path=ADMIN_LOGIN)
    assert locked_out(response)
    page = response.content.decode()
    assert '<p class="errornote">' in page  # admin/login.html's place for the form's errors
    assert 'id="login-form"' in page
    assert "Please enter the correct username and password for a staff account" not in page


def test_the_lockout_is_per_account_and_address(client, user):
    UserFactory(username="partner", password=PASSWORD)
    fail(client, 10)
    assert locked_out(attempt(client, PASSWORD))
    # Another account from the same address, and the same account from another address, still log in.
    other_account = Client()
    assert attempt(other_account, PASSWORD, username="partner").status_code == 302
    assert logged_in(other_account)
    other_address = Client()
    assert attempt(other_address, PASSWORD, address="192.0.2.7").status_code == 302
    assert logged_in(other_address)


def test_a_locked_account_keeps_its_session_and_its_api_token(client, user):
    session = Client()
    session.force_login(user)
    key = TokenFactory(user=user).key
    fail(client, 10)
    assert locked_out(attempt(client, PASSWORD))
    assert logged_in(session)
    assert Client().get("/api/bets/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_axes_reset_clears_the_lockout(client, user):
    fail(client, 10)
    assert locked_out(attempt(client, PASSWORD))
    call_command("axes_reset", verbosity=0)
    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_an_admin_clears_the_lockout_in_the_admin(client, user):
    from axes.models import AccessAttempt

    fail(client, 10)
    admin = Client()
    admin.force_login(UserFactory(username="boss", password="another-long-password", admin=True))
    attempts = admin.get("/admin/axes/accessattempt/").content.decode()
    assert "bettor" in attempts
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert attempt(client, PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, 10)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert locked_out(attempt(client, PASSWORD))  # and this attempt starts the wait again
    with time_machine.travel(start + timedelta(minutes=14 + 15, seconds=1), tick=False):
        assert attempt(client, PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, user):
    fail(client, 9)
    assert attempt(client, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, 9) == [200] * 9
    assert attempt(client, PASSWORD).status_code == 302


def test_a_lockout_outside_a_login_form_is_answered_in_plain_text(rf):
    from django.http import HttpResponse

    from web.lockout import lockout_response

    response = lockout_response(rf.post("/elsewhere/"), HttpResponse("not a login page"), {"username": "bettor"})
    assert (response.status_code, response["Content-Type"]) == (429, "text/plain; charset=utf-8")
    assert response.content.decode() == settings.AXES_COOLOFF_MESSAGE
