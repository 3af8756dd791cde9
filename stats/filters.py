"""Which stored calibration to show: the calibration page's form and ``GET /api/stats/calibration/``."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.http import QueryDict

from odds.models import H2H, MARKETS, Bookmaker, Sport
from stats.calibration import can_push
from stats.models import CLOSING, MOMENTS, Calibration
from web.filters import ChoiceFilter, KeyFilter, PlainNumberFilter


class CalibrationFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns; its stub allows None
        point = cleaned.get("point")
        if self.errors:
            return cleaned
        if cleaned["market"] == H2H:
            if point is not None:
                self.add_error("point", "h2h has no point; leave it out")
        elif point is None:
            self.add_error("point", f"required for {cleaned['market']}: the line, e.g. 2.5 (totals) or -0.5 (spreads)")
        elif can_push(cleaned["market"], point):
            self.add_error("point", f"{point} can push: only half-point lines (2.5, -1.5) are calibrated")
        return cleaned


class CalibrationFilter(django_filters.FilterSet):
    """Over ``Calibration.objects``: the calibration of a sport, market line, reference and moment;
    where a parameter is left out, the one with the most events."""

    sport = KeyFilter(
        field_name="sport__key",
        queryset=Sport.objects.filter(pk__in=Calibration.objects.values("sport")),
        to_field_name="key",
        empty_label="Most events",
        label="Sport",
        description="a sport key, e.g. soccer_epl (default: the calibration with the most events)",
    )
    market = ChoiceFilter(choices=MARKETS, empty_label=None, label="Market", description="h2h (the default)")
    point = PlainNumberFilter(
        field_name="point",
        max_digits=7,
        decimal_places=2,
        label="Point",
        help_text="spreads and totals: a half-point line",
        description="required for spreads (the home handicap, e.g. -0.5) and totals (e.g. 2.5); a half-point line",
    )
    reference = KeyFilter(
        field_name="reference__key",
        queryset=Bookmaker.objects.filter(pk__in=Calibration.objects.values("reference")),
        to_field_name="key",
        empty_label="Most events",
        label="Reference",
        description="the reference bookmaker's key, e.g. pinnacle (default: the one with the most events)",
    )
    at = ChoiceFilter(
        choices=MOMENTS,
        empty_label=None,
        label="Prices at",
        description="opening (the reference's first observation) or closing (its last at or before kick-off, "
        "the default)",
    )

    class Meta:
        form = CalibrationFilterForm

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        # The defaults as values, so that the page's selects show what is shown.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        for name, default in (("market", H2H), ("at", CLOSING)):
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, **kwargs)
