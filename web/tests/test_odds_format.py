"""Odds formats against the conversion table of Wikipedia's "Fixed-odds betting" article (fractional,
decimal and moneyline columns): 1/4 = 1.25 = -400, 1/2 = 1.50 = -200, 10/11 = 1.91 = -110,
evens = 2.00 = +100, 6/4 = 2.50 = +150, 5/1 = 6.00 = +500, 100/30 = 4.33 = +333.
Fractions are shown in lowest terms (3/2, 10/3); American lines are whole numbers, so reading one
back gives the price it rounds (-110 is 1.909, +333 is 4.330)."""

from decimal import Decimal

import pytest

from web.odds_format import AMERICAN, DECIMAL, FRACTIONAL, NotOdds, american, formatted, fractional, parse

TABLE = [
    # (fractional, decimal, American, the decimal price an American line reads as)
    ("1/4", "1.25", "-400", "1.250"),
    ("1/2", "1.50", "-200", "1.500"),
    ("10/11", "1.909", "-110", "1.909"),
    ("1/1", "2.00", "+100", "2.000"),
    ("3/2", "2.50", "+150", "2.500"),
    ("5/1", "6.00", "+500", "6.000"),
    ("10/3", "4.333", "+333", "4.330"),
]


@pytest.mark.parametrize(("fraction", "price", "line", "_"), TABLE)
def test_decimal_prices_convert_to_the_published_american_and_fractional_odds(fraction, price, line, _):
    assert american(Decimal(price)) == line
    assert fractional(Decimal(price)) == fraction
    assert formatted(Decimal(price), DECIMAL) == price


@pytest.mark.parametrize(("fraction", "price", "line", "price_of_line"), TABLE)
def test_typed_american_and_fractional_odds_read_as_the_published_decimal_price(fraction, price, line, price_of_line):
    assert parse(fraction, FRACTIONAL) == Decimal(price)
    assert parse(line, AMERICAN) == Decimal(price_of_line)
    assert parse(price, DECIMAL) == Decimal(price)


def test_other_ways_bettors_write_a_price():
    assert parse("150", AMERICAN) == Decimal("2.500")  # a positive line is often written without its sign
    assert parse(" evens ", FRACTIONAL) == Decimal(2)
    assert parse("100/30", FRACTIONAL) == Decimal("4.333")
    assert parse("2.125", DECIMAL) == Decimal("2.125")


@pytest.mark.parametrize(
    ("text", "odds_format", "message"),
    [
        ("+50", AMERICAN, "'+50': American odds are +100 or more, or -100 or less"),
        ("-99", AMERICAN, "'-99': American odds are +100 or more, or -100 or less"),
        ("2.5", FRACTIONAL, "'2.5' is not a price: write it like 3/2"),
        ("3/x", FRACTIONAL, "'x' is not a number: write a price like 3/2"),
        ("+-150", AMERICAN, "'+-150': American odds are +100 or more, or -100 or less"),
        ("3/0", FRACTIONAL, "'3/0': a fraction of two numbers above 0, e.g. 3/2"),
        ("1e3", DECIMAL, "'1e3' is in exponent notation: write the number in full: write a price like 2.50"),
        ("２.5", DECIMAL, "'２.5' has digits other than 0-9: write a price like 2.50"),
        ("1.0", DECIMAL, "'1.0' is not a price above 1"),
        ("abc", AMERICAN, "'abc' is not a number: write a price like +150 or -200"),
    ],
)
def test_text_that_is_not_a_price_is_refused_with_what_was_expected(text, odds_format, message):
    with pytest.raises(NotOdds) as refused:
        parse(text, odds_format)
    assert str(refused.value) == message
