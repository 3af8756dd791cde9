"""Filters every list's FilterSet shares (``bets.filters``, ``opportunities.filters``, ``odds.filters``).

A list's page and its API read the same query string with the same FilterSet. The API read its
parameters with DRF serializers before, so these answer bad values in DRF's words (clients may match
on them), read numbers as plain numbers (``web.strict``) and times as ASCII (``web.forms``), and
look nothing up: a sport, bookmaker or strategy the database does not know lists nothing, without a
query to find that out. A filter's ``description`` documents it in the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django_filters.fields import ChoiceField as BaseChoiceField
from django_filters.fields import IsoDateTimeField as BaseIsoDateTimeField
from rest_framework.fields import BooleanField as DRFBooleanField

from web.forms import PlainDateTimeField, PlainDecimalField, PriceField

# DRF's messages, word for word.
INVALID_CHOICE = '"%(value)s" is not a valid choice.'
INVALID_DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
INVALID_BOOLEAN = "Must be a valid boolean."


class Described:
    """A filter with a ``description`` for the schema (``web.api.filter_parameters``)."""

    def __init__(self, *args: Any, description: str = "", **kwargs: Any) -> None:
        self.description = description
        super().__init__(*args, **kwargs)


class KeyChoiceField(forms.ModelChoiceField[Any]):
    """A select of a table's rows whose value is read as text and not looked up."""

    default_validators = [ProhibitNullCharactersValidator()]

    def to_python(self, value: object) -> str | None:
        if value in self.empty_values:
            return None
        return str(value).strip()


class KeyFilter(Described, django_filters.Filter):
    """A sport, bookmaker or strategy by its key: the page renders the table's rows as a select with
    an "All …" choice (``queryset``, ``to_field_name``, ``empty_label``); any key is accepted."""

    field_class = KeyChoiceField


class KeysChoiceField(forms.ModelMultipleChoiceField[Any]):
    """Several rows of a table (checkboxes or a multiple select) whose values are read as text and not
    looked up, in the order given, each once."""

    # Keys as text, not rows: nothing is looked up (KeyChoiceField's rule for several).
    def clean(self, value: object) -> list[str]:  # type: ignore[override]
        if value in self.empty_values:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        keys = [str(key).strip() for key in value]
        return list(dict.fromkeys(key for key in keys if key))


class KeysFilter(Described, django_filters.Filter):
    """Bookmakers (or other rows) by their keys, any number: ``?bookmaker=bet365&bookmaker=pinnacle``;
    none chosen filters nothing. The page renders ``queryset``'s rows by ``to_field_name``."""

    field_class = KeysChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, **kwargs)


class ChoiceField(BaseChoiceField):
    """django-filter's, also accepting ``also_accepted`` values that the select does not show."""

    def __init__(self, *args: Any, also_accepted: Iterable[str] = (), **kwargs: Any) -> None:
        self.also_accepted = list(also_accepted)
        kwargs.setdefault("error_messages", {"invalid_choice": INVALID_CHOICE})
        super().__init__(*args, **kwargs)

    def valid_value(self, value: object) -> bool:
        return value in self.also_accepted or super().valid_value(value)


class ChoiceFilter(Described, django_filters.ChoiceFilter):
    field_class = ChoiceField


class PlainNumberFilter(Described, django_filters.NumberFilter):
    """A decimal read as a plain number: "1_0", "１" and "1e-2" are refused with the reason."""

    field_class = PlainDecimalField

    def get_max_validator(self) -> None:
        return None  # max_digits bounds it


class PriceFilter(Described, django_filters.Filter):
    """A price: in the bettor's odds format on a page (``web.forms.PriceField``), decimal odds in the
    API, which reads no preferences."""

    field_class = PriceField


class BooleanField(forms.Field):
    """True or false in DRF's words (true/false, yes/no, on/off, 1/0, t/f, y/n in any case).

    An absent or empty parameter is ``default``; with ``allow_null``, empty or "null" means either
    (``None``), as DRF's ``BooleanField(allow_null=True)`` read a query string."""

    default_error_messages = {"invalid": INVALID_BOOLEAN}

    def __init__(self, *, default: bool | None = None, allow_null: bool = False, **kwargs: Any) -> None:
        self.default = default
        self.allow_null = allow_null
        super().__init__(**kwargs)

    def to_python(self, value: object) -> bool | None:
        if value is None:
            return self.default
        if value == "":
            return None if self.allow_null else self.default
        word = value.lower() if isinstance(value, str) else value
        if word in DRFBooleanField.TRUE_VALUES:
            return True
        if word in DRFBooleanField.FALSE_VALUES:
            return False
        if self.allow_null and word in DRFBooleanField.NULL_VALUES:
            return None
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class BooleanFilter(Described, django_filters.BooleanFilter):
    field_class = BooleanField  # type: ignore[assignment]  # the stub allows only the default's class; any field works


class IsoDateTimeField(PlainDateTimeField, BaseIsoDateTimeField):
    """An ISO 8601 time in printable ASCII; without an offset, in the site's time zone.

    With one, it is moved into the site's zone as DRF did: PostgreSQL refuses an offset past 15:59,
    which ISO 8601 and Python allow ("+17:45")."""

    default_error_messages = {"invalid": INVALID_DATETIME, "overflow": "Datetime value out of range."}

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is not None and timezone.is_aware(moment):
            try:
                return moment.astimezone(timezone.get_current_timezone())
            except OverflowError:
                raise ValidationError(self.error_messages["overflow"], code="overflow") from None
        return moment


class IsoDateTimeFilter(Described, django_filters.IsoDateTimeFilter):
    field_class = IsoDateTimeField


class DayOrTimeField(IsoDateTimeField):
    """A date (what a date input sends) or an ISO 8601 time (what an API client sends)."""

    widget = forms.DateInput(attrs={"type": "date"})

    # A day is narrower than its base's answer on purpose: DayOrTimeFilter.filter widens it to a time.
    def to_python(self, value: Any) -> date | datetime | None:  # type: ignore[override]
        if isinstance(value, str) and value.isascii() and value.isprintable():
            try:
                day = parse_date(value.strip())
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            if day is not None:
                return day
        return super().to_python(value)


class DayOrTimeFilter(Described, django_filters.Filter):
    """From (``lookup_expr="gte"``) or to (``"lte"``) a time; a date means from the start or to the end
    of that day in the site's time zone, so date_from and date_to of one date list that day."""

    field_class = DayOrTimeField

    def filter(self, qs: QuerySet[Any], value: date | datetime | None) -> QuerySet[Any]:
        if isinstance(value, date) and not isinstance(value, datetime):
            at = time.min if self.lookup_expr == "gte" else time.max
            value = datetime.combine(value, at, tzinfo=timezone.get_current_timezone())
        return super().filter(qs, value)
