"""The matches list's filters: ``GET /api/odds/matches/``."""

from __future__ import annotations

import django_filters
from django import forms

from odds.models import MARKETS, Bookmaker, EventQuerySet, Sport
from web.filters import BooleanFilter, ChoiceFilter, IsoDateTimeFilter, KeyFilter


def sport_filter() -> KeyFilter:
    """A list's sport filter, by the key of its event's sport (bets, opportunities)."""
    return KeyFilter(
        field_name="event__sport__key",
        queryset=Sport.objects.all(),
        to_field_name="key",
        empty_label="All sports",
        label="Sport",
        description="a sport key, e.g. soccer_epl",
    )


def bookmaker_filter(example: str) -> KeyFilter:
    """A list's bookmaker filter, by key; market best and average are no bookmakers."""
    return KeyFilter(
        field_name="bookmaker__key",
        queryset=Bookmaker.objects.filter(is_aggregate=False),
        to_field_name="key",
        empty_label="All bookmakers",
        label="Bookmaker",
        description=f"a bookmaker key, e.g. {example}",
    )


class MatchFilterForm(forms.Form):
    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        # Only once every value reads, as the serializer before it checked.
        if not self.errors and start and end and start > end:
            self.add_error("date_to", "must not be before date_from")
        return cleaned


class MatchFilter(django_filters.FilterSet):
    """Over ``odds.selectors.events_for_matches()``, by kick-off."""

    sport = django_filters.CharFilter(field_name="sport__key", label="Sport")
    date_from = IsoDateTimeFilter(
        field_name="commence_time", lookup_expr="gte", label="Date from", description="kick-off from this time"
    )
    date_to = IsoDateTimeFilter(
        field_name="commence_time", lookup_expr="lte", label="Date to", description="kick-off until this time"
    )
    market = ChoiceFilter(
        choices=MARKETS,
        method="prices_shown",
        label="Market",
        description="show the best prices of this market only (every match is listed)",
    )
    upcoming = BooleanFilter(
        default=False, method="filter_upcoming", label="Upcoming", description="only matches yet to kick off"
    )

    class Meta:
        form = MatchFilterForm

    def prices_shown(self, queryset: EventQuerySet, name: str, value: str) -> EventQuerySet:
        return queryset  # the view reads the market: it picks the best prices shown, not the matches

    def filter_upcoming(self, queryset: EventQuerySet, name: str, value: bool) -> EventQuerySet:
        return queryset.upcoming() if value else queryset
