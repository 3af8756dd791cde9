"""Input from people and files, read strictly. Pure: no Django.

Python reads more than a person means by a number: ``Decimal("1_000")`` and ``int("1_000")`` are
1000, ``Decimal("１０")`` (full-width digits, or any script's) is 10, ``Decimal("1e3")`` is 1000,
``Decimal("NaN")`` is not a number at all, and ``Decimal("1" * 100)`` is a number no column holds.
A price, a stake, a point or a setting is written with the digits 0-9, an optional sign and at
most one decimal point; anything else is refused, and the message says why.

JSON is nested a few levels deep in every body and file we read; Python's ``json`` gives up with a
``RecursionError`` near 1,000 levels, and so can any recursive code handed a deep value
(``repr``, ``copy.deepcopy``), so a limit far below that is checked explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
PLAIN_INTEGER = re.compile(r"[+-]?[0-9]+")
EXPONENT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+")
NOT_FINITE = {"nan", "snan", "inf", "infinity"}
MAX_JSON_DEPTH = 64
SHOWN_LENGTH = 40


class NotPlainNumber(ValueError):
    """The value is not a plain number; ``str()`` quotes it and says why."""


def shown(value: object) -> str:
    """``repr(value)`` for a message, cut to about 40 characters: a megabyte of input is not echoed."""
    text = repr(value)
    return text if len(text) <= SHOWN_LENGTH else f"{text[: SHOWN_LENGTH - 4]}…{text[-1]}"


def plain_decimal(value: object, *, what: str = "a number") -> Decimal:
    """``value`` as a Decimal: text of ASCII digits with an optional sign and decimal point, an int,
    a float (by its ``repr``, so 1e+30 is refused) or an already finite Decimal.
    ``what`` names the thing in the message for text that is no number at all ("an amount")."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotPlainNumber(f"{value} is not a finite number")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if not isinstance(value, str):
        raise NotPlainNumber(f"{shown(value)} is not {what}")
    text = value.strip()
    if PLAIN_DECIMAL.fullmatch(text):
        return Decimal(text)
    raise NotPlainNumber(f"{shown(text)} {_why(text, what)}")


def plain_integer(value: object, *, what: str = "a whole number") -> int:
    """``value`` as an int: text of ASCII digits with an optional sign, or an int (not a bool)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise NotPlainNumber(f"{shown(value)} is not {what}")
    text = value.strip()
    if PLAIN_INTEGER.fullmatch(text):
        return int(text)
    raise NotPlainNumber(f"{shown(text)} {_why(text, what)}")


def _why(text: str, what: str) -> str:
    if text.lstrip("+-").lower() in NOT_FINITE:
        return "is not a finite number"
    if "_" in text and any(c.isdigit() for c in text):
        return "has an underscore: write 1000, not 1_000"
    if any(c.isdigit() and not c.isascii() for c in text):
        return "has digits other than 0-9"
    if EXPONENT.fullmatch(text):
        return "is in exponent notation: write the number in full"
    return f"is not {what}"


def nested_deeper_than(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether decoded JSON nests lists and objects more than ``limit`` levels deep (a scalar is at
    level 0, ``[]`` at level 1). Iterative, so it is safe on any value ``json`` could decode."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
