"""The event page's choice of whose fair price its line-movement charts draw."""

from __future__ import annotations

from django import forms

from opportunities.models import Strategy


class FairPriceForm(forms.Form):
    strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.order_by("name"),
        required=False,
        empty_label="First active strategy",
        label="Fair price from",
        help_text="the strategy whose reference book (or consensus) and devig method give the fair price",
        error_messages={"invalid_choice": "there is no strategy with the id %(value)s: the first active one is used"},
    )
