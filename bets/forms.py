from __future__ import annotations

from typing import Any

from django import forms

from bets.models import Bet, LedgerEntry
from bets.services import BetInput, bet_input
from odds.models import MARKETS, Bookmaker, Event
from web.forms import PlainDateTimeField, PlainDecimalField, PlainIntegerField, PriceField, price_help


class BetForm(forms.Form):
    # By id, read as a plain integer: a ModelChoiceField would find event 1 for "１".
    event = PlainIntegerField(widget=forms.HiddenInput)
    market = forms.ChoiceField(choices=MARKETS)
    outcome = forms.CharField(max_length=128)
    point = PlainDecimalField(required=False, max_digits=7, decimal_places=2, help_text="handicap or total")
    bookmaker = forms.ModelChoiceField(Bookmaker.objects.filter(is_aggregate=False), to_field_name="key")
    price = PriceField()
    stake = PlainDecimalField(max_digits=12, decimal_places=2, min_value=0.01)
    stake_requested = PlainDecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        label="Stake asked for",
        help_text="if the book accepted less: monps records its limit",
    )
    placed_at = PlainDateTimeField(required=False, help_text="blank: now")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    opportunity = PlainIntegerField(required=False, widget=forms.HiddenInput)
    allow_started = forms.BooleanField(required=False, label="The event has started: I placed this bet before")
    allow_over_balance = forms.BooleanField(required=False, label="Stake more than the book's recorded balance")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"].help_text = price_help()

    def clean_event(self) -> Event:
        event = Event.objects.select_related("sport").filter(pk=self.cleaned_data["event"]).first()
        if event is None:
            raise forms.ValidationError(f"no event with id {self.cleaned_data['event']}")
        return event

    def to_input(self) -> BetInput:
        return bet_input(self.cleaned_data)

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        for field, errors in message_dict.items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)


class SettleForm(forms.Form):
    status = forms.ChoiceField(choices=Bet.STATUSES)


class LedgerForm(forms.Form):
    kind = forms.ChoiceField(choices=LedgerEntry.KINDS)
    amount = PlainDecimalField(max_digits=12, decimal_places=2)
    bookmaker = forms.ModelChoiceField(
        Bookmaker.objects.filter(is_aggregate=False),
        to_field_name="key",
        required=False,
        empty_label="General bankroll",
        help_text="money held at this book",
    )
    at = PlainDateTimeField(required=False, help_text="blank: now")
    note = forms.CharField(required=False, max_length=200)
