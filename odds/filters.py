"""The odds lists' filters: the matches (``GET /api/odds/matches/``) and the odds screen (``/odds/``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.utils import timezone

from odds.models import MARKETS, Bookmaker, EventQuerySet, Sport
from opportunities.models import Strategy
from web.filters import BooleanFilter, ChoiceFilter, IsoDateTimeFilter, KeyFilter, KeysFilter


def sport_filter(field_name: str = "event__sport__key") -> KeyFilter:
    """A list's sport filter, by the key of its event's sport (bets, opportunities) or its own."""
    return KeyFilter(
        field_name=field_name,
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
    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns; its stub allows None
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


# Kick-off windows from now: the odds screen's and the opportunities list's (``?window=``).
WINDOWS = {
    "3h": timedelta(hours=3),
    "12h": timedelta(hours=12),
    "24h": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
}
WINDOW_CHOICES = [
    ("3h", "Next 3 hours"),
    ("12h", "Next 12 hours"),
    ("24h", "Next 24 hours"),
    ("3d", "Next 3 days"),
    ("7d", "Next 7 days"),
]
KICKOFF, EDGE = "kickoff", "edge"
SCREEN_SORTS = [(KICKOFF, "Kick-off"), (EDGE, "Edge")]


class OddsScreenFilter(django_filters.FilterSet):
    """Over ``odds.selectors.upcoming_events()``: which events the odds screen lists (sport, kick-off
    window), which of their prices it shows (market, bookmakers), whose fair price it shows them
    against (a strategy) and in what order. The view reads the filters that choose prices."""

    sport = sport_filter("sport__key")
    window = ChoiceFilter(
        choices=WINDOW_CHOICES,
        empty_label="Any time",
        method="kick_off_within",
        label="Kick-off",
        description="events kicking off within this time from now: 3h, 12h, 24h, 3d or 7d",
    )
    market = ChoiceFilter(
        choices=MARKETS,
        empty_label="All markets",
        method="prices_shown",
        label="Market",
        description="show the lines of this market only (every event in the window is listed)",
    )
    bookmaker = KeysFilter(
        queryset=Bookmaker.objects.filter(is_aggregate=False),
        to_field_name="key",
        method="prices_shown",
        widget=forms.CheckboxSelectMultiple,
        label="Bookmakers",
        description="show these bookmakers' prices only, by key, any number (fair prices still use every book)",
    )
    strategy = KeyFilter(
        queryset=Strategy.objects.all(),
        empty_label="First active strategy",
        method="prices_shown",
        label="Fair price from",
        description="the strategy whose reference (a book or the consensus) and devig method give the fair price",
    )
    sort = ChoiceFilter(
        choices=SCREEN_SORTS,
        empty_label=None,
        method="prices_shown",
        label="Sort by",
        description="kickoff (the default): soonest first; edge: the event with the largest edge first",
    )

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        self.now = now or timezone.now()
        super().__init__(*args, **kwargs)

    def kick_off_within(self, queryset: EventQuerySet, name: str, value: str) -> EventQuerySet:
        return queryset.filter(commence_time__lte=self.now + WINDOWS[value])

    def prices_shown(self, queryset: EventQuerySet, name: str, value: object) -> EventQuerySet:
        return queryset  # the view reads these: they choose the prices shown and their order, not the events
