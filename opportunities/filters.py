"""The opportunities list's filters: the page's filter bar and ``GET /api/opportunities/``.

Edges are stored as fractions (0.03 = 3%). The page asks for the minimum edge in percent
(``min_edge_pct``: 2.5 means 2.5%), as bettors write it; the API keeps ``min_edge`` as a fraction for
the scripts that already send it, and takes ``min_edge_pct`` too."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.utils import timezone
from django.utils.functional import lazy

from odds.filters import WINDOW_CHOICES, WINDOWS, bookmaker_filter, sport_filter
from odds.models import MARKETS
from opportunities.models import Opportunity, OpportunityQuerySet, Strategy
from opportunities.selectors import ORDERINGS
from web.filters import BooleanFilter, ChoiceFilter, KeyFilter, PlainNumberFilter, PriceFilter
from web.forms import price_help

# What the page's select offers; the API also takes the other names of ORDERINGS.
SHOWN_ORDERINGS = [
    ("expected_profit", "Expected profit"),
    ("edge", "Edge"),
    ("detected", "Newest"),
    ("kickoff", "Kick-off"),
]
HUNDRED = Decimal(100)


class OpportunityFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "must not be below the min price")
        return cleaned


class OpportunityFilter(django_filters.FilterSet):
    """Over ``opportunities.selectors.opportunities(active=None)``, by expected profit unless ordered otherwise."""

    active = BooleanFilter(
        field_name="expired_at",
        lookup_expr="isnull",
        default=True,
        allow_null=True,
        description="true (the default) for active opportunities, false for expired ones, empty or null for both",
    )
    sport = sport_filter()
    # A provider's sport is a league (soccer_epl is the EPL): the bar names it as a bettor does.
    sport.label, sport.extra["empty_label"] = "League", "All leagues"
    window = ChoiceFilter(
        choices=WINDOW_CHOICES,
        empty_label="Any time",
        method="kick_off_within",
        label="Kick-off",
        description="events kicking off from now until this much later: 3h, 12h, 24h, 3d or 7d",
    )
    market = ChoiceFilter(choices=MARKETS, empty_label="All markets", label="Market")
    bookmaker = bookmaker_filter("bet365")
    min_edge_pct = PlainNumberFilter(
        method="edge_at_least_percent",
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": -100, "max": 1000}),
        label="Min edge %",
        help_text="in percent: 2.5 = 2.5%",
        description="the smallest edge listed, in percent: 2.5 lists edges of 2.5% and more (min_edge=0.025)",
    )
    min_edge = PlainNumberFilter(
        field_name="edge",
        lookup_expr="gte",
        max_digits=6,
        decimal_places=4,
        label="Min edge (fraction)",
        help_text="as a fraction: 0.03 = 3%",
        description="the smallest edge listed, as a fraction: 0.03 lists edges of 3% and more (min_edge_pct=3)",
    )
    min_price = PriceFilter(
        field_name="price",
        lookup_expr="gte",
        label="Min price",
        help_text=lazy(price_help, str)(),
        description="the lowest price listed, in decimal odds, e.g. 1.80",
    )
    max_price = PriceFilter(
        field_name="price",
        lookup_expr="lte",
        label="Max price",
        help_text=lazy(price_help, str)(),
        description="the highest price listed, in decimal odds, e.g. 4.00",
    )
    strategy = KeyFilter(
        queryset=Strategy.objects.all(),
        empty_label="All strategies",
        method="filter_strategy",
        label="Strategy",
        description="a strategy's id or name",
    )
    ordering = ChoiceFilter(
        choices=SHOWN_ORDERINGS,
        also_accepted=ORDERINGS,
        empty_label=None,
        method="order",
        label="Ordering",
        description=(
            "expected_profit (the default): most expected profit at the stake available first (edge × the"
            " Kelly stake capped at the book's limit and balance); edge: largest edge first; detected: newest"
            " first; kickoff: soonest kick-off first"
        ),
    )

    class Meta:
        form = OpportunityFilterForm

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        self.now = now or timezone.now()
        super().__init__(*args, **kwargs)

    def kick_off_within(
        self, queryset: OpportunityQuerySet[Opportunity], name: str, value: str
    ) -> OpportunityQuerySet[Opportunity]:
        return queryset.filter(event__commence_time__range=(self.now, self.now + WINDOWS[value]))

    def edge_at_least_percent(
        self, queryset: OpportunityQuerySet[Opportunity], name: str, value: Decimal
    ) -> OpportunityQuerySet[Opportunity]:
        return queryset.filter(edge__gte=value / HUNDRED)

    def filter_strategy(
        self, queryset: OpportunityQuerySet[Opportunity], name: str, value: str
    ) -> OpportunityQuerySet[Opportunity]:
        # The page's select sends an id, a script may send a name; "²" is a digit to isdigit() alone.
        if value.isascii() and value.isdigit():
            return queryset.filter(strategy__pk=int(value))
        return queryset.filter(strategy__name=value)

    def order(
        self, queryset: OpportunityQuerySet[Opportunity], name: str, value: str
    ) -> OpportunityQuerySet[Opportunity]:
        return queryset.order_by(*ORDERINGS[value])


class ActiveOpportunityFilter(OpportunityFilter):
    """The page's: it lists active opportunities only (``selectors.opportunities()``), so no ``active``,
    and asks for the minimum edge in percent only."""

    active = None  # type: ignore[assignment]  # django-filter's way to drop an inherited filter
    min_edge = None  # type: ignore[assignment]  # the same
