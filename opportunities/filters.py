"""The opportunities list's filters: the page's filter bar and ``GET /api/opportunities/``."""

from __future__ import annotations

import django_filters
from django import forms

from odds.filters import bookmaker_filter, sport_filter
from odds.models import MARKETS
from opportunities.models import Opportunity, OpportunityQuerySet, Strategy
from opportunities.selectors import ORDERINGS
from web.filters import BooleanFilter, ChoiceFilter, KeyFilter, PlainNumberFilter

# What the page's select offers; the API also takes the other names of ORDERINGS.
SHOWN_ORDERINGS = [("edge", "Edge"), ("detected", "Newest"), ("kickoff", "Kick-off")]


class OpportunityFilter(django_filters.FilterSet):
    """Over ``opportunities.selectors.opportunities(active=None)``, by edge unless ordered otherwise."""

    active = BooleanFilter(
        field_name="expired_at",
        lookup_expr="isnull",
        default=True,
        allow_null=True,
        description="true (the default) for active opportunities, false for expired ones, empty or null for both",
    )
    sport = sport_filter()
    market = ChoiceFilter(choices=MARKETS, empty_label="All markets", label="Market")
    bookmaker = bookmaker_filter("bet365")
    min_edge = PlainNumberFilter(
        field_name="edge",
        lookup_expr="gte",
        max_digits=6,
        decimal_places=4,
        widget=forms.NumberInput(attrs={"min": -1, "max": 10}),
        label="Min edge",
        help_text="0.03 = 3%",
        description="the smallest edge listed: 0.03 = 3%",
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
        description="edge (the default): largest edge first; detected: newest first; kickoff: soonest kick-off first",
    )

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
    """The page's: it lists active opportunities only (``selectors.opportunities()``), so no ``active``."""

    active = None  # type: ignore[assignment]  # django-filter's way to drop an inherited filter
