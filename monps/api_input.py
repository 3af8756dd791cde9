"""What every API input shares: fields that read plain numbers and ISO times strictly. Errors leave
here as DRF's ValidationError, so they answer in the one error shape (``monps.api``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rest_framework import serializers

from monps.strict import NotPlainNumber, plain_decimal, plain_integer, shown


class PlainIntegerField(serializers.IntegerField):
    """An integer as JSON number or as ASCII digits: DRF's own reads "1_0" and "１０" as 10."""

    def to_internal_value(self, data: object) -> int:
        try:
            value = plain_integer(data)
        except NotPlainNumber as exc:
            raise serializers.ValidationError(str(exc)) from None
        return super().to_internal_value(value)


class PlainDecimalField(serializers.DecimalField):
    """A decimal as JSON number or plain text (``monps.strict.plain_decimal``): DRF's own accepts
    underscores, other scripts' digits and exponents; its digit and decimal limits still apply."""

    def to_internal_value(self, data: object) -> Decimal:
        try:
            value = plain_decimal(data)
        except NotPlainNumber as exc:
            raise serializers.ValidationError(str(exc)) from None
        return super().to_internal_value(str(value))


class DateTimeField(serializers.DateTimeField):
    """An ISO 8601 time in printable ASCII: Python's ``fromisoformat`` ignores a trailing NUL."""

    def to_internal_value(self, value: object) -> datetime:
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            raise serializers.ValidationError(
                f"{shown(value)} is not an ISO 8601 time in plain ASCII, such as 2026-11-24T12:00:00Z"
            )
        return super().to_internal_value(value)
