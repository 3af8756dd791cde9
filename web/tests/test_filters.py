"""The filters the lists share read query parameters as the API's serializers did, without the database."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django_filters import FilterSet

from web.filters import BooleanField, ChoiceField, DayOrTimeField, IsoDateTimeField, KeyChoiceField, KeysChoiceField

DATETIME_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)


def message(field, value) -> str:
    with pytest.raises(ValidationError) as caught:
        field.clean(value)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("value", "default_false", "nullable_default_true"),
    [
        (None, False, True),  # absent
        ("", False, None),
        ("true", True, True),
        ("TRUE", True, True),
        ("yes", True, True),
        ("on", True, True),
        ("1", True, True),
        ("t", True, True),
        ("false", False, False),
        ("No", False, False),
        ("off", False, False),
        ("0", False, False),
        ("null", "Must be a valid boolean.", None),
        ("None", "Must be a valid boolean.", "Must be a valid boolean."),
        ("maybe", "Must be a valid boolean.", "Must be a valid boolean."),
    ],
)
def test_booleans_in_drfs_words(value, default_false, nullable_default_true):
    for field, expected in [
        (BooleanField(default=False, required=False), default_false),
        (BooleanField(default=True, allow_null=True, required=False), nullable_default_true),
    ]:
        if isinstance(expected, str):
            assert message(field, value) == expected
        else:
            assert field.clean(value) is expected


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2026-11-22", date(2026, 11, 22)),
        (" 2026-11-22 ", date(2026, 11, 22)),
        ("20261122", date(2026, 11, 22)),
        ("2026-11-22T10:00:00Z", datetime(2026, 11, 22, 10, 0, tzinfo=UTC)),
        ("2026-11-22 10:00", datetime(2026, 11, 22, 10, 0, tzinfo=UTC)),  # the site's zone: UTC in the tests
        ("2026-11-22T10:00:00+17:45", datetime(2026, 11, 21, 16, 15, tzinfo=UTC)),  # PostgreSQL takes up to 15:59
        ("", None),
    ],
)
def test_a_day_or_a_time(value, read):
    assert DayOrTimeField(required=False).clean(value) == read


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("yesterday", DATETIME_ERROR),
        ("2026-02-30", DATETIME_ERROR),
        ("11/22/2026", DATETIME_ERROR),
        ("\uff12026-11-22", DATETIME_ERROR),  # a full-width digit
        ("2026-11-22T10:00:00\x00", DATETIME_ERROR),
        ("0001-01-01T00:00:00+05:00", "Datetime value out of range."),
    ],
)
def test_what_is_not_a_day_or_a_time(value, error):
    assert message(DayOrTimeField(required=False), value) == error


def test_a_time_alone_reads_a_date_as_its_midnight():
    assert IsoDateTimeField(required=False).clean("2026-11-22") == datetime(2026, 11, 22, tzinfo=UTC)
    assert message(IsoDateTimeField(required=False), "\uff12026-11-22T10:00") == DATETIME_ERROR


def test_a_key_is_read_as_text_and_not_looked_up():
    from odds.models import Sport

    field = KeyChoiceField(Sport.objects.all(), required=False, to_field_name="key")
    # No database here: a lookup would fail the test.
    assert [field.clean(" soccer_epl "), field.clean("nope"), field.clean("")] == ["soccer_epl", "nope", None]


def test_keys_are_read_as_text_in_their_order_once_each_and_not_looked_up():
    from odds.models import Bookmaker

    field = KeysChoiceField(Bookmaker.objects.all(), required=False, to_field_name="key")
    # No database here: a lookup would fail the test.
    assert field.clean([" bet365", "nope", "bet365", "", "pinnacle"]) == ["bet365", "nope", "pinnacle"]
    assert [field.clean([]), field.clean(None), field.clean("")] == [[], [], []]
    assert message(field, "bet365") == "Enter a list of values."


def test_a_choice_the_select_does_not_show_and_one_that_is_none():
    field = ChoiceField(choices=[("edge", "Edge")], also_accepted=["-edge"], empty_label=None, required=False)
    assert [field.clean("edge"), field.clean("-edge"), field.clean("")] == ["edge", "-edge", ""]
    assert message(field, "nonsense") == '"nonsense" is not a valid choice.'
    # django-stubs types the getter as the setter's input; Django normalises it to (value, label) pairs.
    assert [value for value, _ in field.choices] == ["edge"]  # type: ignore[misc, union-attr]


@pytest.mark.django_db
def test_the_schema_describes_every_filter(auth_client):
    from bets.filters import BetFilter
    from odds.filters import MatchFilter
    from opportunities.filters import OpportunityFilter

    document = auth_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    def parameters(path: str) -> dict[str, dict]:
        return {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}

    listed: list[tuple[str, type[FilterSet]]] = [
        ("/api/bets/", BetFilter),
        ("/api/opportunities/", OpportunityFilter),
        ("/api/odds/matches/", MatchFilter),
    ]
    for path, filterset in listed:
        assert set(parameters(path)) == set(filterset.base_filters)
    opportunities = parameters("/api/opportunities/")
    assert opportunities["active"] == {"type": "boolean", "nullable": True, "default": True}
    assert opportunities["min_edge"] == {"type": "string", "format": "decimal", "pattern": r"^-?\d{0,2}(?:\.\d{0,4})?$"}
    assert opportunities["ordering"]["enum"] == [
        "-detected_at",
        "-edge",
        "-expected_profit",
        "detected",
        "detected_at",
        "edge",
        "expected_profit",
        "kickoff",
    ]
    assert opportunities["market"]["enum"] == ["h2h", "spreads", "totals"]
    bets = parameters("/api/bets/")
    assert bets["status"]["enum"] == sorted(
        ["settled", "pending", "won", "lost", "void", "half_won", "half_lost", "push"]
    )
    assert bets["date_from"] == {"type": "string", "format": "date-time"}
    assert parameters("/api/odds/matches/")["upcoming"] == {"type": "boolean", "default": False}
