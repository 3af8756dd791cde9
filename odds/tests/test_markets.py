"""One rule for a valid price, whether a provider sends it or a person enters a bet at it."""

from decimal import Decimal

import pytest

from bets.services import BetRejected, clean_price
from odds.markets import InvalidQuote, price_problem, to_price


@pytest.mark.parametrize(
    ("price", "problem"),
    [
        ("1.001", None),
        ("2.5", None),
        ("9999.999", None),
        ("1.000", "must be above 1.0"),
        ("0.5", "must be above 1.0"),
        ("10000", "is implausibly high"),
        ("2.1234", "has more than 3 decimal places"),
        ("NaN", "is not finite"),
    ],
)
def test_the_rule_of_a_valid_price(price, problem):
    assert price_problem(Decimal(price)) == problem


@pytest.mark.parametrize("price", ["1.001", "2.5", "9999.999", "1.000", "0.5", "10000", "2.100"])
def test_ingestion_and_bets_accept_the_same_prices(price):
    def accepted(read) -> Decimal | None:
        try:
            return read()
        except (InvalidQuote, BetRejected):
            return None

    provider = accepted(lambda: to_price(price, "here"))
    person = accepted(lambda: clean_price(price))
    assert provider == person
    assert (provider is None) == (price_problem(Decimal(price)) is not None)


def test_a_provider_price_is_rounded_to_the_rule_a_person_must_type_it_by():
    assert to_price(2.0500000000000003, "here") == Decimal("2.050")
    with pytest.raises(BetRejected) as typed:
        clean_price("2.1234")
    assert typed.value.message_dict == {"price": ["2.1234 has more than 3 decimal places"]}
    # Rounded to 1.000 it is no price: refused with what was sent.
    with pytest.raises(InvalidQuote) as sent:
        to_price("1.0004", "here")
    assert str(sent.value) == "here: price 1.0004 must be above 1.0"
    with pytest.raises(BetRejected) as typed:
        clean_price("1.000")
    assert typed.value.message_dict == {"price": ["1.000 must be above 1.0 (decimal odds)"]}
