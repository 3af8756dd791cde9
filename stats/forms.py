"""What the bookmakers page and ``GET /api/stats/bookmakers/`` read from the query string: one form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from odds.models import MARKETS
from opportunities.models import Strategy
from stats import bookmakers
from web.filters import INVALID_CHOICE, DayOrTimeField

DAY_OR_TIME = "a date (the whole day, in the site's time zone) or an ISO 8601 time"
AT_CHOICES = [(bookmakers.CLOSING, "At the close"), (bookmakers.OPENING, "At the opening")]


@dataclass(frozen=True)
class BookmakerQuery:
    market: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    at: str = bookmakers.CLOSING
    strategy: Strategy | None = None


def _moment(value: date | datetime | None, at: time) -> datetime | None:
    """A date as the start (``time.min``) or the end (``time.max``) of that day in the site's time zone."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, at, tzinfo=timezone.get_current_timezone())


class StrategyChoiceField(forms.ModelChoiceField[Strategy]):
    """A strategy by its id (what the page's select sends) or its name (what a script may send)."""

    def to_python(self, value: object) -> Strategy | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()  # a NUL never gets here: ops.middleware answers 400 first
        strategy = None
        by_id = text.isascii() and text.isdigit()
        if (not by_id or len(text) <= 9) and self.queryset is not None:  # an id past the column's range: none
            found = self.queryset.filter(**{"pk": int(text)} if by_id else {"name": text})
            # with what its rules read (StrategyRules.from_strategy)
            strategy = found.select_related("reference_bookmaker").prefetch_related("sports", "bookmakers").first()
        if strategy is None:
            raise forms.ValidationError(f"no strategy {text[:64]!r}: give a strategy's id or name", code="invalid")
        return strategy


class BookmakerStatsForm(forms.Form):
    """``market`` (empty: every market), ``from`` and ``to`` (kick-off; empty: all history), ``at``
    (``closing``, the default, or ``opening``) and ``strategy`` (whose reference gives the fair
    price; empty: the first active strategy)."""

    market = forms.ChoiceField(
        choices=[("", "All markets"), *MARKETS], required=False, error_messages={"invalid_choice": INVALID_CHOICE}
    )
    at = forms.ChoiceField(
        choices=AT_CHOICES, required=False, label="Prices", error_messages={"invalid_choice": INVALID_CHOICE}
    )
    strategy = StrategyChoiceField(
        queryset=Strategy.objects.order_by("name"),
        required=False,
        empty_label="First active strategy",
        label="Fair price from",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the two fields are added by name.
        self.fields["from"] = DayOrTimeField(required=False, label="Kick-off from", help_text=DAY_OR_TIME)
        self.fields["to"] = DayOrTimeField(required=False, label="Kick-off to", help_text=DAY_OR_TIME)
        self.order_fields(["market", "from", "to", "at", "strategy"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns; its stub allows None
        start, end = _moment(cleaned.get("from"), time.min), _moment(cleaned.get("to"), time.max)
        if not self.errors and start and end and start > end:
            self.add_error("to", "must not be before from")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    @property
    def query(self) -> BookmakerQuery:
        """What was asked (the defaults where the form did not read)."""
        if not self.is_bound or not self.is_valid():
            return BookmakerQuery()
        cleaned = self.cleaned_data
        return BookmakerQuery(
            market=cleaned["market"] or None,
            start=cleaned["start"],
            end=cleaned["end"],
            at=cleaned["at"] or bookmakers.CLOSING,
            strategy=cleaned["strategy"],
        )
