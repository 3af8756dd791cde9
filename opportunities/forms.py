from __future__ import annotations

from django import forms

from monps.forms import plain_numbers
from odds.models import MARKETS, Bookmaker, Sport
from opportunities.models import Strategy
from opportunities.selectors import ORDERINGS


class OpportunityFilterForm(forms.Form):
    sport = forms.ModelChoiceField(Sport.objects.all(), required=False, to_field_name="key", empty_label="All sports")
    market = forms.ChoiceField(choices=[("", "All markets"), *MARKETS], required=False)
    bookmaker = forms.ModelChoiceField(
        Bookmaker.objects.filter(is_aggregate=False),
        required=False,
        to_field_name="key",
        empty_label="All bookmakers",
    )
    min_edge = forms.DecimalField(
        required=False, min_value=-1, max_value=10, decimal_places=4, label="Min edge", help_text="0.03 = 3%"
    )
    strategy = forms.ModelChoiceField(Strategy.objects.all(), required=False, empty_label="All strategies")
    ordering = forms.ChoiceField(
        choices=[("edge", "Edge"), ("detected", "Newest"), ("kickoff", "Kick-off")], required=False
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "sport": data["sport"].key if data.get("sport") else None,
            "market": data.get("market") or None,
            "bookmaker": data["bookmaker"].key if data.get("bookmaker") else None,
            "min_edge": data.get("min_edge"),
            "strategy": str(data["strategy"].pk) if data.get("strategy") else None,
            "ordering": data.get("ordering") if data.get("ordering") in ORDERINGS else "edge",
        }


class StrategyForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Webhook URL",
        help_text="JSON POST on each alert (ntfy, Discord, Slack…).",
    )

    class Meta:
        model = Strategy
        fields = [
            "name",
            "active",
            "reference_bookmaker",
            "min_books",
            "devig_method",
            "min_edge",
            "min_price",
            "max_price",
            "markets",
            "sports",
            "bookmakers",
            "kelly_fraction",
            "max_stake_share",
            "min_minutes_before_kickoff",
            "max_price_age_minutes",
            "alert_min_edge",
            "alert_max_age_minutes",
            "alert_email",
            "webhook_url",
        ]
        widgets = {"sports": forms.CheckboxSelectMultiple, "bookmakers": forms.CheckboxSelectMultiple}
        formfield_callback = plain_numbers

    def clean_markets(self) -> str:
        keys = [m.strip() for m in self.cleaned_data["markets"].split(",") if m.strip()]
        unknown = [m for m in keys if m not in dict(MARKETS)]
        if unknown or not keys:
            raise forms.ValidationError(f"use h2h, spreads and/or totals (not {', '.join(unknown) or 'nothing'})")
        return ",".join(keys)
