from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms

from bets.models import Bet, LedgerEntry
from bets.services import BetInput, bet_input
from bets.slip import PICKS
from odds.models import H2H, MARKETS, Bookmaker, Event
from web import odds_format
from web.forms import PlainDateTimeField, PlainDecimalField, PlainIntegerField, PriceField, price_help
from web.preferences import active
from web.templatetags.monps import odds


class BetForm(forms.Form):
    # By id, read as a plain integer: a ModelChoiceField would find event 1 for "１". Chosen through
    # the slip's event search.
    event = PlainIntegerField(
        widget=forms.HiddenInput, error_messages={"required": "Choose the event: search by team or league."}
    )
    market = forms.ChoiceField(choices=MARKETS)
    outcome = forms.CharField(max_length=128)
    # Text, not a number input: a browser empties a number it cannot read, and the message would not say why.
    point = PlainDecimalField(
        required=False,
        max_digits=7,
        decimal_places=2,
        label="Line",
        help_text="handicap or total; none for the match result",
        widget=forms.TextInput,
    )
    bookmaker = forms.ModelChoiceField(Bookmaker.objects.filter(is_aggregate=False), to_field_name="key")
    price = PriceField()
    stake = PlainDecimalField(max_digits=12, decimal_places=2, min_value=0.01, widget=forms.TextInput)
    stake_requested = PlainDecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        label="Stake asked for",
        help_text="if the book accepted less: monps records its limit",
        widget=forms.TextInput,
    )
    placed_at = PlainDateTimeField(required=False, help_text="blank: now")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    opportunity = PlainIntegerField(required=False, widget=forms.HiddenInput)
    allow_started = forms.BooleanField(
        required=False, label="Started flag: the event has started, and I placed this bet before it did"
    )
    allow_over_balance = forms.BooleanField(required=False, label="Stake more than the book's recorded balance")
    # The strategy whose fair price the slip shows (an opportunity's, or the default one): not the bet's.
    reference = PlainIntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"].help_text = price_help()
        # A phone's decimal keypad has no sign or slash: a handicap, American and fractional odds need them.
        self.fields["stake"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.fields["point"].widget.attrs["autocomplete"] = "off"
        if active().odds_format != odds_format.DECIMAL:
            self.fields["price"].widget.attrs["inputmode"] = "text"
        # What the bettor types while the slip is fetched again for a choice changed stays as typed.
        for name in ("stake", "placed_at", "notes"):
            self.fields[name].widget.attrs["hx-preserve"] = "true"
        self.datalists: dict[str, list[str]] = {}

    def offer(
        self,
        *,
        market: str | None,
        outcomes: list[str],
        points: list[Decimal],
        quoted: list[tuple[Bookmaker, Decimal]],
        refresh: str,
    ) -> None:
        """The slip's choices from the event's stored prices: its outcomes and points to pick or type
        (``datalists``), the bookmakers quoting the selection first, best price first, with it; a
        choice changed fetches the slip again from ``refresh`` with what the bettor has typed (the
        line comes back when a market with lines is chosen)."""
        if market == H2H:
            self.fields["point"].widget.attrs["disabled"] = True
        self.datalists = {"outcome": outcomes, "point": [f"{p}" for p in points]}
        for name in self.datalists:
            self.fields[name].widget.attrs["list"] = f"slip-{name}s"
        for name in PICKS:
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": refresh,
                    "hx-trigger": "change",
                    "hx-include": "closest form",
                    "hx-params": "not csrfmiddlewaretoken,q",
                    "hx-vals": json.dumps({"changed": name}),
                    "hx-target": "#bet-form-card",
                    "hx-swap": "outerHTML",
                    # A change made as the slip is posted (its field left for the button) gives way to the post.
                    "hx-sync": "closest form:abort",
                }
            )
        field = self.fields["bookmaker"]
        assert isinstance(field, forms.ModelChoiceField)  # declared above, with its queryset
        assert field.queryset is not None
        if quoted:
            keys = {book.key for book, _ in quoted}
            others = [(b.key, b.title) for b in field.queryset if b.key not in keys]
            offered = [(book.key, f"{book.title} · {odds(price)}") for book, price in quoted]
            field.choices = [("", "---------"), ("Quoting this selection, best first", offered), ("Others", others)]

    def to_input(self) -> BetInput:
        return bet_input(self.cleaned_data)

    def read(self) -> dict[str, Any]:
        """What the form holds that it could read, whether or not the whole of it is valid."""
        self.is_valid()
        return self.cleaned_data

    def clean_event(self) -> Event:
        event = Event.objects.select_related("sport").filter(pk=self.cleaned_data["event"]).first()
        if event is None:
            raise forms.ValidationError(f"no event with id {self.cleaned_data['event']}")
        return event

    def add_service_errors(self, message_dict: dict[str, list[str]]) -> None:
        for field, errors in message_dict.items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)


class EventSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True, label="Event")

    def text(self) -> str:
        """The words searched for; none when the form cannot be read."""
        return self.cleaned_data["q"] if self.is_valid() else ""


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
