"""What every API input shares: a JSON parser with a depth limit, fields that read plain numbers and
ISO times strictly, and serializers that refuse keys they do not know. Errors leave here as DRF's
ParseError and ValidationError, so they answer in the one error shape (``web.api``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError

from web.strict import MAX_JSON_DEPTH, NotPlainNumber, nested_deeper_than, plain_decimal, plain_integer, shown

TOO_DEEP = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels"
UNKNOWN_SHOWN = 10
ALWAYS_ALLOWED = {"csrfmiddlewaretoken"}  # a form posted with a session carries it


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering a body nested too deeply with 400. Python's ``json`` raises
    RecursionError near 1,000 levels (a 500 otherwise), and a body a little less deep can still
    break recursive code downstream, so no body deeper than ``MAX_JSON_DEPTH`` gets through."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:  # any JSON value
        try:
            value = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nested_deeper_than(value):
            raise ParseError(TOO_DEEP)
        return value


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses keys it does not know: a misspelt optional field ("placed" for "placed_at") would be
    dropped and its default used, and a field that cannot be written ("status") ignored in silence."""

    def unknown_field(self, name: str) -> str:
        return f"is not a field here; the fields are {', '.join(self.fields)}"

    def to_internal_value(self, data: object) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields and name not in ALWAYS_ALLOWED)
            if unknown:
                raise serializers.ValidationError(
                    {name[:40]: [self.unknown_field(name)] for name in unknown[:UNKNOWN_SHOWN]}
                )
        validated: dict[str, Any] = super().to_internal_value(data)
        return validated


class PlainIntegerField(serializers.IntegerField):
    """An integer as JSON number or as ASCII digits: DRF's own reads "1_0" and "１０" as 10."""

    def to_internal_value(self, data: object) -> int:
        try:
            value = plain_integer(data)
        except NotPlainNumber as exc:
            raise serializers.ValidationError(str(exc)) from None
        return super().to_internal_value(value)


class PlainDecimalField(serializers.DecimalField):
    """A decimal as JSON number or plain text (``web.strict.plain_decimal``): DRF's own accepts
    underscores, other scripts' digits and exponents; its digit and decimal limits still apply."""

    def to_internal_value(self, data: object) -> Decimal:
        try:
            value = plain_decimal(data)
        except NotPlainNumber as exc:
            raise serializers.ValidationError(str(exc)) from None
        return super().to_internal_value(str(value))


class DateTimeField(serializers.DateTimeField):
    """An ISO 8601 time in printable ASCII: Python's ``fromisoformat`` ignores a trailing NUL."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            raise serializers.ValidationError(
                f"{shown(value)} is not an ISO 8601 time in plain ASCII, such as 2026-11-24T12:00:00Z"
            )
        return super().to_internal_value(value)
