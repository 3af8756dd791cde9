"""Form fields every app's forms and admins share: numbers read as plain numbers, times as ASCII.

Django's DecimalField and IntegerField read text with ``Decimal()`` and ``int()``, which accept
"1_000", "１０" (full-width digits) and, for decimals, "1e3"; these read it with ``web.strict``
and keep Django's own limits (digits, decimal places, minimum and maximum)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from web import odds_format
from web.models import Preferences
from web.preferences import active
from web.strict import NotPlainNumber, plain_decimal, plain_integer


class PlainDecimalField(forms.DecimalField):
    # Django's DecimalField subclasses IntegerField: its own stub ignores this same override.
    def to_python(self, value: object) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            return plain_decimal(value)
        except NotPlainNumber as exc:
            raise ValidationError(str(exc), code="invalid") from None


class PlainIntegerField(forms.IntegerField):
    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return plain_integer(value)
        except NotPlainNumber as exc:
            raise ValidationError(str(exc), code="invalid") from None


class PlainDateTimeField(forms.DateTimeField):
    """Django's, refusing text that is not printable ASCII: ``fromisoformat`` ignores a trailing NUL."""

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


# For a ModelAdmin's ``formfield_overrides``: every number column of its form reads plain numbers.
PLAIN_NUMBERS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.DecimalField: {"form_class": PlainDecimalField},
    models.IntegerField: {"form_class": PlainIntegerField},
}


def plain_numbers(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A ModelForm's ``formfield_callback`` doing what ``PLAIN_NUMBERS`` does for an admin."""
    for column, overrides in PLAIN_NUMBERS.items():
        if isinstance(db_field, column):
            kwargs = {**overrides, **kwargs}
            break
    return db_field.formfield(**kwargs)


class PriceField(forms.Field):
    """A price typed in the bettor's odds format (decimal, American or fractional), read as decimal odds
    with the rules of a stored price (at most 8 digits, 3 places, above 1)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    stored = PlainDecimalField(max_digits=8, decimal_places=3, min_value=Decimal("1.001"))

    def prepare_value(self, value: object) -> object:
        if isinstance(value, Decimal):  # an initial price; text the bettor typed is shown as typed
            return odds_format.formatted(value, active().odds_format)
        return value

    def to_python(self, value: object) -> Decimal | None:
        if value in self.empty_values:
            return None
        chosen = active().odds_format
        if chosen != odds_format.DECIMAL:
            try:
                value = odds_format.parse(str(value), chosen)
            except odds_format.NotOdds as exc:
                raise ValidationError(str(exc), code="invalid") from None
        price: Decimal | None = self.stored.clean(value)
        return price


def price_help() -> str:
    return f"odds, e.g. {odds_format.EXAMPLES[active().odds_format]}"


def _zones() -> list[tuple[str, str]]:
    return [("", "the site's time zone"), *((zone, zone) for zone in sorted(zoneinfo.available_timezones()))]


class PreferencesForm(forms.ModelForm[Preferences]):
    time_zone = forms.ChoiceField(choices=_zones, required=False, help_text=Preferences.time_zone.field.help_text)

    class Meta:
        model = Preferences
        formfield_callback = plain_numbers
        fields = ["odds_format", "time_zone", "currency", "stake_rounding"]
