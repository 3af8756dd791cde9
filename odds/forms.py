"""The event page's choice of whose fair price its line-movement charts draw; the bookmaker settings
form, what the settings page edits, read by the service's own rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from odds import services
from odds.models import Bookmaker
from opportunities.models import Strategy

AMOUNT = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 8})


class FairPriceForm(forms.Form):
    strategy = forms.ModelChoiceField(
        queryset=Strategy.objects.order_by("name"),
        required=False,
        empty_label="First active strategy",
        label="Fair price from",
        help_text="the strategy whose reference book (or consensus) and devig method give the fair price",
        error_messages={"invalid_choice": "there is no strategy with the id %(value)s: the first active one is used"},
    )


class BookmakerSettingsForm(forms.Form):
    is_exchange = forms.BooleanField(required=False, label="Exchange")
    commission = forms.CharField(
        label="Commission", widget=AMOUNT, help_text="Share of net winnings: 0.05 = 5%; 0 for none."
    )
    stake_rounding = forms.CharField(
        required=False, label="Stake rounding", widget=AMOUNT, help_text="Stakes round down to this; empty: none."
    )
    max_stake = forms.CharField(
        required=False, label="Maximum stake", widget=AMOUNT, help_text="The largest stake it takes; empty: unknown."
    )
    active = forms.BooleanField(required=False, label="I have an account here")

    @classmethod
    def for_bookmaker(cls, bookmaker: Bookmaker, data: Any = None) -> BookmakerSettingsForm:
        initial = {name: getattr(bookmaker, name) for name in services.BOOKMAKER_SETTINGS}
        initial["commission"] = _plain(initial["commission"])
        return cls(data, initial=initial, prefix=bookmaker.key)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            return services.clean_bookmaker_settings({k: v for k, v in cleaned.items() if k not in self.errors})
        except services.BookmakerRejected as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        return cleaned


def _plain(value: Decimal) -> str:
    """0.0500 as 0.05: a share as a person writes it."""
    return f"{value.normalize():f}"
