"""The bets list's filters: the page's filter bar, its totals and CSV export, and ``GET /api/bets/``."""

from __future__ import annotations

import django_filters

from bets.models import Bet, BetQuerySet
from odds.filters import bookmaker_filter, sport_filter
from web.filters import ChoiceFilter, DayOrTimeFilter

DAY_OR_TIME = "a date (the whole day, in the site's time zone) or an ISO 8601 time"


class BetFilter(django_filters.FilterSet):
    """Over ``bets.selectors.bets()``; every parameter is optional, and an empty one is ignored."""

    status = ChoiceFilter(
        choices=[("settled", "Settled"), *Bet.STATUSES],
        empty_label="All",
        method="filter_status",
        label="Status",
        description="a status, or settled for every bet that is not pending",
    )
    sport = sport_filter()
    bookmaker = bookmaker_filter("pinnacle")
    strategy = django_filters.CharFilter(field_name="strategy_name", label="Strategy")
    date_from = DayOrTimeFilter(
        field_name="placed_at", lookup_expr="gte", label="Date from", description=f"placed from {DAY_OR_TIME}"
    )
    date_to = DayOrTimeFilter(
        field_name="placed_at", lookup_expr="lte", label="Date to", description=f"placed until {DAY_OR_TIME}"
    )

    def filter_status(self, queryset: BetQuerySet, name: str, value: str) -> BetQuerySet:
        return queryset.with_status(value)
