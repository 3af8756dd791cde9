"""Hostile or malformed strategy settings answer the form with the field's error and write nothing,
on the settings page and in the admin."""

from __future__ import annotations

import html
import re

import pytest

from opportunities.models import Strategy
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Late value",
    "active": "on",
    "reference_bookmaker": "",
    "min_books": "3",
    "devig_method": "power",
    "min_edge": "0.035",
    "min_price": "1.5",
    "max_price": "8",
    "markets": "h2h, totals",
    "kelly_fraction": "0.5",
    "max_stake_share": "0.02",
    "min_minutes_before_kickoff": "10",
    "max_price_age_minutes": "90",
    "alert_min_edge": "",
    "alert_max_age_minutes": "30",
    "webhook_url": "",
}
UNDERSCORE = "has an underscore: write 1000, not 1_000"
CASES = [
    ("name", "v" * 65, "Ensure this value has at most 64 characters (it has 65)."),
    ("name", "", "This field is required."),
    ("name", "Late\x00value", "Null characters are not allowed."),
    ("name", "Pinnacle value", "Strategy with this Name already exists."),
    ("min_books", "1_0", f"'1_0' {UNDERSCORE}"),
    ("min_books", "３", "'３' has digits other than 0-9"),
    ("min_books", "1.5", "'1.5' is not a whole number"),
    ("min_books", "0", "Ensure this value is greater than or equal to 1."),
    ("min_books", "99999", "Ensure this value is less than or equal to 32767."),
    ("min_edge", "1_0", f"'1_0' {UNDERSCORE}"),
    ("min_edge", "０.０３", "'０.０３' has digits other than 0-9"),
    ("min_edge", "3e-2", "'3e-2' is in exponent notation: write the number in full"),
    ("min_edge", "NaN", "'NaN' is not a finite number"),
    ("min_edge", "1" * 100, "Ensure that there are no more than 6 digits in total."),
    ("min_edge", "-2", "Ensure this value is greater than or equal to -1."),
    ("min_edge", "0.00001", "Ensure that there are no more than 4 decimal places."),
    ("min_edge", "0.03\x00", "'0.03\\x00' is not a number"),
    ("min_price", "1.000", "Ensure this value is greater than or equal to 1.001."),
    ("max_price", "１５", "'１５' has digits other than 0-9"),
    ("kelly_fraction", "2", "Ensure this value is less than or equal to 1."),
    ("min_minutes_before_kickoff", "-1", "Ensure this value is greater than or equal to 0."),
    ("min_minutes_before_kickoff", "9" * 20, "Ensure this value is less than or equal to 2147483647."),
    ("max_price_age_minutes", "1e3", "'1e3' is in exponent notation: write the number in full"),
    ("alert_min_edge", "5_0", f"'5_0' {UNDERSCORE}"),
    ("markets", "corners", "use h2h, spreads and/or totals (not corners)"),
    ("markets", "h2h\x00", "Null characters are not allowed."),
    ("webhook_url", "javascript:alert(1)", "Enter a valid URL."),
    ("telegram_chat_id", "my chat", "a chat's number (e.g. -1001234567890) or a channel's @name"),
    ("reference_bookmaker", "abc", "Select a valid choice. That choice is not one of the available choices."),
    ("devig_method", "magic", "Select a valid choice. magic is not one of the available choices."),
]


def errors(page: str) -> dict[str, list[str]]:
    """Each field's errors as Django renders them: ``<ul class="errorlist" id="id_<field>_error">``."""
    found: dict[str, list[str]] = {}
    for name, items in re.findall(r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', page, re.S):
        found[name] = [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", items, re.S)]
    return found


def snapshot() -> list[tuple]:
    return list(Strategy.objects.order_by("pk").values_list())


def case_id(case: tuple) -> str:
    return f"{case[0]}={case[1]!r:.24}"


@pytest.fixture
def staff_client(client):
    """An admin, logged in without a password: hashing one for each case costs seconds."""
    client.force_login(UserFactory(username="boss", admin=True))
    return client


@pytest.mark.parametrize(("field", "value", "message"), CASES, ids=map(case_id, CASES))
def test_strategy_form_refuses_bad_settings(staff_client, field, value, message):
    before = snapshot()
    response = staff_client.post("/opportunities/strategies/new/", {**VALID, field: value})
    assert response.status_code == 200
    assert errors(response.content.decode()) == {field: [message]}
    assert snapshot() == before


def test_strategy_form_edit_refuses_a_long_name_and_keeps_the_strategy(staff_client):
    strategy = Strategy.objects.get(name="Pinnacle value")
    before = snapshot()
    response = staff_client.post(f"/opportunities/strategies/{strategy.pk}/", {**VALID, "name": "v" * 65})
    assert errors(response.content.decode()) == {"name": ["Ensure this value has at most 64 characters (it has 65)."]}
    assert snapshot() == before


def test_strategy_form_saves_valid_settings(staff_client):
    response = staff_client.post("/opportunities/strategies/new/", VALID)
    assert response.status_code == 302
    saved = Strategy.objects.get(name="Late value")
    assert (str(saved.min_edge), saved.min_books, str(saved.max_price)) == ("0.0350", 3, "8.000")


ADMIN_VALID = {**VALID, "sports": [], "bookmakers": []}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "v" * 65, "Ensure this value has at most 64 characters (it has 65)."),
        ("min_edge", "1_0", f"'1_0' {UNDERSCORE}"),
        ("min_books", "３", "'３' has digits other than 0-9"),
        ("kelly_fraction", "2.5e-1", "'2.5e-1' is in exponent notation: write the number in full"),
    ],
    ids=["long-name", "underscore", "full-width", "exponent"],
)
def test_strategy_admin_refuses_bad_settings(staff_client, field, value, message):
    before = snapshot()
    response = staff_client.post("/admin/opportunities/strategy/add/", {**ADMIN_VALID, field: value})
    assert response.status_code == 200
    assert errors(response.content.decode()) == {field: [message]}
    assert snapshot() == before
