from __future__ import annotations

from typing import Any

from django import forms

from odds.models import H2H, LAY_MARKETS, MARKETS
from opportunities.models import Strategy
from opportunities.valuation import BOOK, MIDPOINT
from web.forms import plain_numbers


class StrategyForm(forms.ModelForm[Strategy]):
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
            "fair_basis",
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
            "alert_telegram",
            "telegram_chat_id",
        ]
        widgets = {"sports": forms.CheckboxSelectMultiple, "bookmakers": forms.CheckboxSelectMultiple}
        formfield_callback = plain_numbers

    def clean_markets(self) -> str:
        keys = [m.strip() for m in self.cleaned_data["markets"].split(",") if m.strip()]
        unknown = [m for m in keys if m not in dict(MARKETS)]
        if unknown or not keys:
            raise forms.ValidationError(f"use h2h, spreads and/or totals (not {', '.join(unknown) or 'nothing'})")
        return ",".join(keys)

    def clean_fair_basis(self) -> str:
        return str(self.cleaned_data.get("fair_basis") or BOOK)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("fair_basis") != MIDPOINT:
            return cleaned
        reference = cleaned.get("reference_bookmaker")
        if reference is not None and not reference.is_exchange:
            self.add_error(
                "reference_bookmaker",
                f"{reference.title} is not an exchange: the midpoint needs an exchange's lay prices "
                "(choose an exchange, or none for every exchange)",
            )
        laid = set(LAY_MARKETS.values())
        markets = [m for m in str(cleaned.get("markets") or "").split(",") if m]
        if markets and not set(markets) <= laid:
            self.add_error("markets", f"the exchange midpoint prices {H2H} only: exchanges lay match results alone")
        return cleaned
