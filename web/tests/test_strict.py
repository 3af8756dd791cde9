"""Plain numbers and JSON depth, without a database."""

import json
from decimal import Decimal

import pytest

from web.strict import NotPlainNumber, nested_deeper_than, plain_decimal, plain_integer, shown


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.100", Decimal("2.100")),
        (" 10 ", Decimal("10")),
        ("-12.50", Decimal("-12.50")),
        ("+0.25", Decimal("0.25")),
        (".5", Decimal("0.5")),
        ("10.", Decimal("10")),
        (10, Decimal(10)),
        (2.1, Decimal("2.1")),
        (Decimal("1E+3"), Decimal("1000")),  # already a number: made by code, not typed
        ("1" * 100, Decimal("1" * 100)),  # plain; whether a column holds it is the caller's rule
    ],
)
def test_plain_decimal_reads_plain_numbers(value, expected):
    assert plain_decimal(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1_000", "'1_000' has an underscore: write 1000, not 1_000"),
        ("１０", "'１０' has digits other than 0-9"),
        ("٢.٥", "'٢.٥' has digits other than 0-9"),
        ("1e3", "'1e3' is in exponent notation: write the number in full"),
        ("2.5E-1", "'2.5E-1' is in exponent notation: write the number in full"),
        (1e30, "'1e+30' is in exponent notation: write the number in full"),
        ("NaN", "'NaN' is not a finite number"),
        ("-Infinity", "'-Infinity' is not a finite number"),
        (float("nan"), "'nan' is not a finite number"),
        (Decimal("NaN"), "NaN is not a finite number"),
        ("", "'' is not a number"),
        ("abc", "'abc' is not a number"),
        ("1,5", "'1,5' is not a number"),
        ("1.2.3", "'1.2.3' is not a number"),
        ("0x10", "'0x10' is not a number"),
        ("1\x00", "'1\\x00' is not a number"),
        (True, "True is not a number"),
        (None, "None is not a number"),
        ([1], "[1] is not a number"),
        ("x" * 1000, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' is not a number"),
    ],
)
def test_plain_decimal_refuses_what_decimal_would_accept_or_choke_on(value, message):
    with pytest.raises(NotPlainNumber) as caught:
        plain_decimal(value)
    assert str(caught.value) == message


def test_plain_decimal_names_the_thing_expected():
    with pytest.raises(NotPlainNumber) as caught:
        plain_decimal("abc", what="an amount")
    assert str(caught.value) == "'abc' is not an amount"


@pytest.mark.parametrize(("value", "expected"), [("42", 42), (" 7 ", 7), ("-3", -3), (10**30, 10**30)])
def test_plain_integer_reads_plain_integers(value, expected):
    assert plain_integer(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1_0", "'1_0' has an underscore: write 1000, not 1_000"),
        ("１", "'１' has digits other than 0-9"),
        ("1e3", "'1e3' is in exponent notation: write the number in full"),
        ("1.0", "'1.0' is not a whole number"),
        (1.0, "1.0 is not a whole number"),
        (True, "True is not a whole number"),
        ("", "'' is not a whole number"),
    ],
)
def test_plain_integer_refuses_the_rest(value, message):
    with pytest.raises(NotPlainNumber) as caught:
        plain_integer(value)
    assert str(caught.value) == message


def test_shown_cuts_long_values():
    assert shown("short") == "'short'"
    assert shown("y" * 50) == "'" + "y" * 35 + "…'"
    assert len(shown("y" * 10**6)) == 38


@pytest.mark.parametrize(
    ("body", "deeper"),
    [
        ("1", False),
        ("[]", False),
        ('{"a": [1, {"b": 2}]}', False),
        ("[" * 64 + "]" * 64, False),
        ("[" * 65 + "]" * 65, True),
        ('{"a": ' * 65 + "1" + "}" * 65, True),
        ("[" * 900 + "]" * 900, True),
    ],
)
def test_nested_deeper_than_the_limit(body, deeper):
    assert nested_deeper_than(json.loads(body)) is deeper
