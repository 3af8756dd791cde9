"""Hostile or malformed input to bets answers 4xx with the field and the reason, and writes nothing:
every field of the API's create and edit, and of the HTML bet form."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest

from bets.models import Bet, BetEvent
from bets.services import place_bet
from bets.tests.factories import BetInputFactory
from opportunities.tests.factories import NOW
from web.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID: dict[str, Any] = {
    "market": "h2h",
    "outcome": "Arsenal",
    "point": None,
    "bookmaker": "bet365",
    "price": "2.100",
    "stake": "10.00",
    "placed_at": (NOW - timedelta(minutes=1)).isoformat(),
}
MISSING = object()
LONG = "x" * 10_000
TOTALS = {"market": "totals", "outcome": "Over"}
FIELDS_IN = (
    "event, market, outcome, point, bookmaker, price, stake, stake_requested, placed_at, strategy, opportunity, notes,"
    " allow_started, allow_over_balance"
)
FIELDS_EDIT = "price, stake, placed_at, bookmaker, strategy, notes, allow_settled, allow_over_balance"
REQUIRED = "This field is required."
BLANK = "This field may not be blank."
NULL = "This field may not be null."
NOT_STRING = "Not a valid string."
NUL = "Null characters are not allowed."
FORMAT = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
FUTURE = "2099-01-01T00:00:00+00:00 is in the future (more than 5 minutes ahead of now)"
YEAR_1 = "0001-01-01T00:00:00+00:00 is before 2000-01-01, the earliest a bet can be placed"
OUTCOMES = "is not an outcome of h2h for Arsenal v Chelsea: Arsenal, Draw, Chelsea"

# (field, value, message): the value replaces the field's in a valid bet (MISSING removes it).
NUMBER_CASES = [
    ("1_000", "'1_000' has an underscore: write 1000, not 1_000"),
    ("２.５", "'２.５' has digits other than 0-9"),
    ("1e3", "'1e3' is in exponent notation: write the number in full"),
    (1e30, "'1e+30' is in exponent notation: write the number in full"),
    ("NaN", "'NaN' is not a finite number"),
    ("Infinity", "'Infinity' is not a finite number"),
]
CREATE_CASES = [
    ("event", MISSING, REQUIRED),
    ("event", None, NULL),
    ("event", "", "'' is not a whole number"),
    ("event", "abc", "'abc' is not a whole number"),
    ("event", [1], "[1] is not a whole number"),
    ("event", True, "True is not a whole number"),
    ("event", 1.5, "1.5 is not a whole number"),
    ("event", "1\x00", "'1\\x00' is not a whole number"),
    ("event", "１", "'１' has digits other than 0-9"),
    ("event", "1_0", "'1_0' has an underscore: write 1000, not 1_000"),
    ("event", "1e3", "'1e3' is in exponent notation: write the number in full"),
    ("event", -1, "no event with id -1"),
    ("event", 999999, "no event with id 999999"),
    ("event", 10**30, f"no event with id {10**30}"),
    ("market", MISSING, REQUIRED),
    ("market", "", BLANK),
    ("market", ["h2h"], NOT_STRING),
    ("market", "h2h\x00", NUL),
    ("market", "corners", "'corners' is not one of h2h, spreads, totals"),
    ("market", LONG, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' is not one of h2h, spreads, totals"),
    ("outcome", MISSING, REQUIRED),
    ("outcome", "", BLANK),
    ("outcome", {"name": "Arsenal"}, NOT_STRING),
    ("outcome", "Arsenal\x00", NUL),
    ("outcome", "Spurs", f"'Spurs' {OUTCOMES}"),
    ("outcome", LONG, f"'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' {OUTCOMES}"),
    ("point", "1.5", "must be empty for h2h"),
    ("bookmaker", MISSING, REQUIRED),
    ("bookmaker", "", BLANK),
    ("bookmaker", ["bet365"], NOT_STRING),
    ("bookmaker", "bet365\x00", NUL),
    ("bookmaker", "nobody", "no bookmaker 'nobody'"),
    ("bookmaker", LONG, "no bookmaker 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"),
    ("price", MISSING, REQUIRED),
    ("price", None, NULL),
    ("price", "", BLANK),
    ("price", "abc", "'abc' is not a number"),
    ("price", True, NOT_STRING),
    ("price", [2.1], NOT_STRING),
    ("price", "2.1\x00", NUL),
    ("price", "1" * 100, f"{'1' * 100} is implausibly high"),
    ("price", "-2.000", "-2.000 must be above 1.0 (decimal odds)"),
    ("price", "2.1234", "2.1234 has more than 3 decimal places"),
    *[("price", value, message) for value, message in NUMBER_CASES],
    ("stake", MISSING, REQUIRED),
    ("stake", "", BLANK),
    ("stake", "ten", "'ten' is not an amount"),
    ("stake", {"amount": 10}, NOT_STRING),
    ("stake", "10\x00", NUL),
    ("stake", "0", "must be more than 0"),
    ("stake", "-12.50", "must be more than 0"),
    ("stake", "10.001", "10.001 has more than 2 decimal places"),
    ("stake", "20000.00", "20000.00 is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
    ("stake", "1" + "0" * 30, f"1{'0' * 30} is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
    ("stake", "9" * 100, f"{'9' * 100} is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
    ("stake", "1e30", "'1e30' is in exponent notation: write the number in full"),
    ("stake", "１０", "'１０' has digits other than 0-9"),
    ("stake", "1_0", "'1_0' has an underscore: write 1000, not 1_000"),
    *[("stake", value, message) for value, message in NUMBER_CASES],
    ("placed_at", None, NULL),
    ("placed_at", "", FORMAT),
    ("placed_at", "yesterday", FORMAT),
    ("placed_at", 1764000000, FORMAT),
    (
        "placed_at",
        "2026-11-24T11:00:00\x00",
        "'2026-11-24T11:00:00\\x00' is not an ISO 8601 time in plain ASCII, such as 2026-11-24T12:00:00Z",
    ),
    (
        "placed_at",
        "２０２６-11-24T11:00:00Z",
        "'２０２６-11-24T11:00:00Z' is not an ISO 8601 time in plain ASCII, such as 2026-11-24T12:00:00Z",
    ),
    ("placed_at", "2099-01-01T00:00:00Z", FUTURE),
    ("placed_at", "0001-01-01T00:00:00Z", YEAR_1),
    (
        "placed_at",
        "1999-12-31T23:59:59Z",
        "1999-12-31T23:59:59+00:00 is before 2000-01-01, the earliest a bet can be placed",
    ),
    ("placed_at", "0001-01-01T00:00:00+05:00", "Datetime value out of range."),
    ("placed_at", "9999-12-31T23:59:59-05:00", "Datetime value out of range."),
    ("strategy", "s" * 65, "is 65 characters long; at most 64"),
    ("strategy", "value\x00", NUL),
    ("strategy", ["value"], NOT_STRING),
    ("opportunity", "abc", "'abc' is not a whole number"),
    ("opportunity", "１", "'１' has digits other than 0-9"),
    ("opportunity", 0, "no opportunity with id 0"),
    ("opportunity", 999999, "no opportunity with id 999999"),
    ("opportunity", 10**20, f"no opportunity with id {10**20}"),
    ("notes", "n" * 10_001, "is 10001 characters long; at most 10000"),
    ("notes", "a\x00b", NUL),
    ("notes", ["a"], NOT_STRING),
    ("allow_started", "maybe", "Must be a valid boolean."),
    ("stake_requested", "5.00", "5.00 is below the stake accepted, 10.00: it is the larger"),
    ("stake_requested", "-5", "must be more than 0"),
    ("stake_requested", "1e3", "'1e3' is in exponent notation: write the number in full"),
    ("stake_requested", "10.001", "10.001 has more than 2 decimal places"),
    ("allow_over_balance", "maybe", "Must be a valid boolean."),
    ("placed", "2026-11-24T11:00:00Z", f"is not a field here; the fields are {FIELDS_IN}"),
    ("status", "won", f"is not a field here; the fields are {FIELDS_IN}"),
]
POINT_CASES = [
    ("point", MISSING, "a totals bet needs the handicap or total"),
    ("point", None, "a totals bet needs the handicap or total"),
    ("point", "", "a totals bet needs the handicap or total"),  # DRF reads "" as null
    ("point", "abc", "'abc' is not a number"),
    ("point", True, "True is not a number"),
    ("point", "2.5\x00", "'2.5\\x00' is not a number"),
    ("point", "99999.75", "totals Over: point '99999.75' is out of range"),
    ("point", "-10000", "totals Over: point '-10000.00' is out of range"),
    ("point", "1" * 100, "Ensure that there are no more than 7 digits in total."),
    ("point", "2.3", "totals Over: point 2.30 is not a multiple of 0.25"),
    ("point", "2.555", "Ensure that there are no more than 2 decimal places."),
    ("point", "２.５", "'２.５' has digits other than 0-9"),
    ("point", "2_5", "'2_5' has an underscore: write 1000, not 1_000"),
    ("point", "2.5e0", "'2.5e0' is in exponent notation: write the number in full"),
    ("point", "NaN", "'NaN' is not a finite number"),
]
EDIT_CASES = [
    ("price", None, NULL),
    ("price", "", BLANK),
    ("price", "abc", "'abc' is not a number"),
    ("price", "2.1\x00", NUL),
    ("price", "1" * 100, f"{'1' * 100} is implausibly high"),
    ("price", "0.5", "0.5 must be above 1.0 (decimal odds)"),
    ("price", "2.1234", "2.1234 has more than 3 decimal places"),
    *[("price", value, message) for value, message in NUMBER_CASES],
    ("stake", None, NULL),
    ("stake", "", BLANK),
    ("stake", "10\x00", NUL),
    ("stake", "-5", "must be more than 0"),
    ("stake", "10.001", "10.001 has more than 2 decimal places"),
    ("stake", "1" + "0" * 30, f"1{'0' * 30} is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
    ("stake", "9" * 100, f"{'9' * 100} is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
    ("stake", "1e30", "'1e30' is in exponent notation: write the number in full"),
    *[("stake", value, message) for value, message in NUMBER_CASES],
    ("placed_at", None, NULL),
    ("placed_at", "yesterday", FORMAT),
    (
        "placed_at",
        "2026-11-24T11:00:00\x00",
        "'2026-11-24T11:00:00\\x00' is not an ISO 8601 time in plain ASCII, such as 2026-11-24T12:00:00Z",
    ),
    ("placed_at", "2099-01-01T00:00:00Z", FUTURE),
    ("placed_at", "0001-01-01T00:00:00Z", YEAR_1),
    ("placed_at", "0001-01-01T00:00:00+05:00", "Datetime value out of range."),
    ("bookmaker", "", BLANK),
    ("bookmaker", "bet365\x00", NUL),
    ("bookmaker", "nobody", "no bookmaker 'nobody'"),
    ("bookmaker", LONG, "no bookmaker 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"),
    ("strategy", "s" * 65, "is 65 characters long; at most 64"),
    ("strategy", "value\x00", NUL),
    ("notes", "n" * 10_001, "is 10001 characters long; at most 10000"),
    ("notes", "a\x00b", NUL),
    ("allow_settled", "maybe", "Must be a valid boolean."),
    ("event", 2, "cannot be changed; void the bet and enter a new one"),
    ("market", "totals", "cannot be changed; void the bet and enter a new one"),
    ("outcome", "Draw", "cannot be changed; void the bet and enter a new one"),
    ("point", "2.5", "cannot be changed; void the bet and enter a new one"),
    ("status", "won", f"is not a field here; the fields are {FIELDS_EDIT}"),
    ("stakes", "20.00", f"is not a field here; the fields are {FIELDS_EDIT}"),
]


@pytest.fixture
def auth_client(client):
    """Logged in without a password: hashing one for each of some 200 cases costs minutes."""
    client.force_login(UserFactory(username="bettor"))
    return client


def case_id(case: tuple) -> str:
    field, value = case[0], case[1]
    shown = "missing" if value is MISSING else repr(value)
    return f"{field}={shown[:24]}"


def body(event, field: str, value: object, base: dict | None = None) -> dict:
    values = {"event": event.pk, **VALID, **(base or {})}
    if value is MISSING:
        values.pop(field)
    else:
        values[field] = value
    return values


def counts() -> tuple[int, int]:
    return Bet.objects.count(), BetEvent.objects.count()


def assert_refused(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.content[:500]
    assert response.json() == {"detail": "Invalid input.", "errors": {field: [message]}}


@pytest.mark.parametrize(("field", "value", "message"), CREATE_CASES, ids=map(case_id, CREATE_CASES))
def test_api_create_refuses_bad_input(auth_client, event, field, value, message):
    response = auth_client.post("/api/bets/", body(event, field, value), content_type="application/json")
    assert_refused(response, field, message)
    assert counts() == (0, 0)


@pytest.mark.parametrize(("field", "value", "message"), POINT_CASES, ids=map(case_id, POINT_CASES))
def test_api_create_refuses_bad_points(auth_client, event, field, value, message):
    response = auth_client.post("/api/bets/", body(event, field, value, TOTALS), content_type="application/json")
    assert_refused(response, field, message)
    assert counts() == (0, 0)


def test_api_create_takes_the_largest_point_the_odds_take(auth_client, event):
    response = auth_client.post("/api/bets/", body(event, "point", "9999.75", TOTALS), content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["point"] == "9999.75"


@pytest.fixture
def placed(event) -> Bet:
    bet = place_bet(bet=BetInputFactory(event=event, placed_at=NOW - timedelta(minutes=1)))
    return Bet.objects.get(pk=bet.pk)


def stored(bet: Bet) -> dict:
    fields = ["price", "stake", "placed_at", "bookmaker_id", "strategy_name", "notes", "status", "event_id", "point"]
    return dict(Bet.objects.filter(pk=bet.pk).values(*fields).get())


@pytest.mark.parametrize(("field", "value", "message"), EDIT_CASES, ids=map(case_id, EDIT_CASES))
def test_api_edit_refuses_bad_input(auth_client, placed, field, value, message):
    before = stored(placed)
    response = auth_client.patch(f"/api/bets/{placed.pk}/", {field: value}, content_type="application/json")
    assert_refused(response, field, message)
    assert stored(placed) == before
    assert counts() == (1, 1)  # the bet and its creation: no update recorded


def test_api_edit_of_an_unknown_bet(auth_client, placed):
    response = auth_client.patch("/api/bets/999999/", {"stake": "5.00"}, content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Bet matches the given query.", "errors": {}}
    assert counts() == (1, 1)


TOO_DEEP = {"detail": "JSON parse error - nested deeper than 64 levels", "errors": {}}


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        ("[" * 10_000 + "]" * 10_000, TOO_DEEP),  # RecursionError in json: it was a 500
        ('{"notes": ' + "[" * 65 + "]" * 65 + "}", TOO_DEEP),
        (
            '{"event": 1,',
            {
                "detail": "JSON parse error - Expecting property name enclosed in double quotes: "
                "line 1 column 13 (char 12)",
                "errors": {},
            },
        ),
        (
            "[]",
            {
                "detail": "Invalid input.",
                "errors": {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
            },
        ),
        (
            '{"price": NaN}',
            {"detail": "JSON parse error - Out of range float values are not JSON compliant: 'NaN'", "errors": {}},
        ),
    ],
    ids=["10000-levels", "65-levels-in-a-field", "truncated", "a-list", "bare-NaN"],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_api_refuses_bodies_it_cannot_read(auth_client, placed, raw, answer, method):
    url = "/api/bets/" if method == "post" else f"/api/bets/{placed.pk}/"
    response = getattr(auth_client, method)(url, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == answer
    assert counts() == (1, 1)


def test_api_takes_a_body_64_levels_deep_to_the_fields(auth_client, event):
    nested = "[" * 63 + "]" * 63
    response = auth_client.post(
        "/api/bets/", json.dumps(body(event, "notes", "")).replace('""', nested), content_type="application/json"
    )
    assert_refused(response, "notes", NOT_STRING)


# The HTML form: the same rules, answered as the form with its errors (422 to HTMX).
FORM_VALID = {**VALID, "point": "", "placed_at": (NOW - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")}
CHOICE = "Select a valid choice. That choice is not one of the available choices."
CHOOSE_EVENT = "Choose the event: search by team or league."
FORM_CASES = [
    ("event", MISSING, CHOOSE_EVENT),
    ("event", "", CHOOSE_EVENT),
    ("event", "abc", "'abc' is not a whole number"),
    ("event", "1\x00", "'1\\x00' is not a whole number"),
    ("event", "１", "'１' has digits other than 0-9"),
    ("event", "1_0", "'1_0' has an underscore: write 1000, not 1_000"),
    ("event", "999999", "no event with id 999999"),
    ("market", MISSING, REQUIRED),
    ("market", "corners", "Select a valid choice. corners is not one of the available choices."),
    ("market", "h2h\x00", "Select a valid choice. h2h\x00 is not one of the available choices."),
    ("outcome", "", REQUIRED),
    ("outcome", "Arsenal\x00", "Null characters are not allowed."),
    ("outcome", "x" * 129, "Ensure this value has at most 128 characters (it has 129)."),
    ("outcome", "Spurs", f"'Spurs' {OUTCOMES}"),
    ("point", "1.5", "must be empty for h2h"),
    ("bookmaker", "", REQUIRED),
    ("bookmaker", "nobody", CHOICE),
    ("bookmaker", "bet365\x00", "Null characters are not allowed."),
    ("price", "", REQUIRED),
    ("price", "abc", "'abc' is not a number"),
    ("price", "2.1\x00", "'2.1\\x00' is not a number"),
    ("price", "1" * 100, "Ensure that there are no more than 8 digits in total."),
    ("price", "1.000", "Ensure this value is greater than or equal to 1.001."),
    ("price", "2.1234", "Ensure that there are no more than 3 decimal places."),
    ("price", "1_000", "'1_000' has an underscore: write 1000, not 1_000"),
    ("price", "２.５", "'２.５' has digits other than 0-9"),
    ("price", "1e3", "'1e3' is in exponent notation: write the number in full"),
    ("price", "NaN", "'NaN' is not a finite number"),
    ("stake", "", REQUIRED),
    ("stake", "-12.50", "Ensure this value is greater than or equal to 0.01."),
    ("stake", "10.001", "Ensure that there are no more than 2 decimal places."),
    ("stake", "20000.00", "20000.00 is above the limit of 10000.00 (MONPS_MAX_STAKE)"),
    ("stake", "1" + "0" * 30, "Ensure that there are no more than 12 digits in total."),
    ("stake", "1e30", "'1e30' is in exponent notation: write the number in full"),
    ("stake", "１０", "'１０' has digits other than 0-9"),
    ("stake", "1_0", "'1_0' has an underscore: write 1000, not 1_000"),
    ("placed_at", "yesterday", "Enter a valid date/time."),
    ("placed_at", "2026-11-24 11:00:00\x00", "Enter a valid date/time."),
    ("placed_at", "2099-01-01 00:00:00", FUTURE),
    ("placed_at", "0001-01-01 00:00:00", YEAR_1),
    (
        "placed_at",
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00+05:00 is before 2000-01-01, the earliest a bet can be placed",
    ),
    ("notes", "a\x00b", "Null characters are not allowed."),
    ("notes", "n" * 10_001, "is 10001 characters long; at most 10000"),
    ("opportunity", "abc", "'abc' is not a whole number"),
    ("opportunity", "１", "'１' has digits other than 0-9"),
    ("opportunity", "999999", "no opportunity with id 999999"),
]


def form_errors(page: str) -> dict[str, list[str]]:
    """Each field's errors as the bet slip shows them: beside its field (the event's beside the event
    search), or as "name: error" at the top of the slip for a hidden one."""
    errors: dict[str, list[str]] = {}
    for name, shown in re.findall(r'<span class="errorlist" id="id_(\w+)_error">(.*?)</span>', page, re.S):
        errors[name] = [html.unescape(shown)]
    for name, shown in re.findall(r"<li>(\w+): (.*?)</li>", page, re.S):
        errors.setdefault(name, []).append(html.unescape(shown))
    return errors


@pytest.mark.parametrize(("field", "value", "message"), FORM_CASES, ids=map(case_id, FORM_CASES))
def test_bet_form_refuses_bad_input(auth_client, event, field, value, message):
    response = auth_client.post("/bets/new/", body(event, field, value, FORM_VALID), HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert form_errors(response.content.decode()) == {field: [message]}
    assert counts() == (0, 0)


FORM_POINT_CASES = [
    ("point", MISSING, "a totals bet needs the handicap or total"),
    ("point", "", "a totals bet needs the handicap or total"),
    ("point", "abc", "'abc' is not a number"),
    ("point", "2.5\x00", "'2.5\\x00' is not a number"),
    ("point", "99999.75", "totals Over: point '99999.75' is out of range"),
    ("point", "-10000", "totals Over: point '-10000' is out of range"),
    ("point", "1" * 100, "Ensure that there are no more than 7 digits in total."),
    ("point", "2.3", "totals Over: point 2.3 is not a multiple of 0.25"),
    ("point", "2.555", "Ensure that there are no more than 2 decimal places."),
    ("point", "２.５", "'２.５' has digits other than 0-9"),
    ("point", "2_5", "'2_5' has an underscore: write 1000, not 1_000"),
    ("point", "2.5e0", "'2.5e0' is in exponent notation: write the number in full"),
    ("point", "NaN", "'NaN' is not a finite number"),
]


@pytest.mark.parametrize(("field", "value", "message"), FORM_POINT_CASES, ids=map(case_id, FORM_POINT_CASES))
def test_bet_form_refuses_bad_points(auth_client, event, field, value, message):
    response = auth_client.post(
        "/bets/new/", body(event, field, value, {**FORM_VALID, **TOTALS}), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert form_errors(response.content.decode()) == {field: [message]}
    assert counts() == (0, 0)


def test_bet_form_without_htmx_answers_the_page_with_its_errors(auth_client, event):
    response = auth_client.post("/bets/new/", body(event, "stake", "1_0", FORM_VALID))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Place a bet</h1>" in page
    assert form_errors(page) == {"stake": ["'1_0' has an underscore: write 1000, not 1_000"]}
    assert counts() == (0, 0)


# The admin: its bet form goes through the same service, and reads numbers as plain numbers.
def admin_errors(page: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, items in re.findall(r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', page, re.S):
        found[name] = [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", items, re.S)]
    return found


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", admin=True))
    return client


def admin_form(event, **values: str) -> dict:
    from odds.models import Bookmaker

    return {
        "event": event.pk,
        "bookmaker": Bookmaker.objects.get(key="bet365").pk,
        "market": "h2h",
        "outcome": "Arsenal",
        "point": "",
        "price": "2.100",
        "stake": "10.00",
        "placed_at_0": "2026-11-24",
        "placed_at_1": "11:00:00",
        "strategy_name": "",
        "notes": "",
        **values,
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"stake": "1_0"}, "stake", "'1_0' has an underscore: write 1000, not 1_000"),
        ({"price": "２.５"}, "price", "'２.５' has digits other than 0-9"),
        ({"stake": "1e30"}, "stake", "'1e30' is in exponent notation: write the number in full"),
        (
            {"placed_at_0": "0001-01-01"},
            "placed_at",
            "0001-01-01T11:00:00+00:00 is before 2000-01-01, the earliest a bet can be placed",
        ),
        (
            {"market": "totals", "outcome": "Over", "point": "99999.75"},
            "point",
            "totals Over: point '99999.75' is out of range",
        ),
        ({"strategy_name": "s" * 65}, "strategy_name", "Ensure this value has at most 64 characters (it has 65)."),
    ],
    ids=["underscore", "full-width", "exponent", "year-1", "point", "long-strategy"],
)
def test_admin_add_refuses_bad_input(staff_client, event, values, field, message):
    response = staff_client.post("/admin/bets/bet/add/", admin_form(event, **values))
    assert response.status_code == 200
    assert admin_errors(response.content.decode()) == {field: [message]}
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"placed_at_0": "2099-01-01", "placed_at_1": "00:00:00"}, "placed_at", FUTURE),
        ({"placed_at_0": "0001-01-01", "placed_at_1": "00:00:00"}, "placed_at", YEAR_1),
        ({"stake": "9" * 100}, "stake", "Ensure that there are no more than 12 digits in total."),
        ({"notes": "n" * 10_001}, "notes", "is 10001 characters long; at most 10000"),
    ],
    ids=["future", "year-1", "100-digits", "long-notes"],
)
def test_admin_change_refuses_bad_input(staff_client, placed, values, field, message):
    before = stored(placed)
    response = staff_client.post(f"/admin/bets/bet/{placed.pk}/change/", admin_form(placed.event, **values))
    assert response.status_code == 200
    assert admin_errors(response.content.decode()) == {field: [message]}
    assert stored(placed) == before
    assert counts() == (1, 1)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"at_0": "0001-01-01"},
            "at",
            "0001-01-01T12:00:00+00:00 is before 2000-01-01, the earliest a ledger entry can have",
        ),
        ({"at_0": "2099-01-01"}, "at", "2099-01-01T12:00:00+00:00 is in the future (more than 5 minutes ahead of now)"),
        ({"amount": "1_000"}, "amount", "'1_000' has an underscore: write 1000, not 1_000"),
        ({"amount": "１０"}, "amount", "'１０' has digits other than 0-9"),
    ],
    ids=["year-1", "future", "underscore", "full-width"],
)
def test_admin_ledger_entry_refuses_bad_input(staff_client, values, field, message):
    from bets.models import LedgerEntry

    form = {"kind": "deposit", "amount": "25.00", "at_0": "2026-11-24", "at_1": "12:00:00", "note": "", **values}
    response = staff_client.post("/admin/bets/ledgerentry/add/", form)
    assert response.status_code == 200
    assert admin_errors(response.content.decode()) == {field: [message]}
    assert LedgerEntry.objects.count() == 0
