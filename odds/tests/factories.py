"""factory_boy factories for odds' rows, and for the snapshots that ingestion takes.

Rows a test only needs to exist (a sport a strategy filters on, a bookmaker, an event or selection
an opportunity points at, a collector run, a lease) come from the model factories. Prices go in
through ingestion, the way the collectors put them in (``EventOddsFactory``, ``QuoteFactory``, then
``ingest``): current prices, their history and the event's collection time then agree as they do
in production, so there is no factory writing a ``Price`` row by itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from odds.ingest import EventOdds, Quote, Snapshot, ingest_snapshot
from odds.markets import line_of
from odds.models import H2H, ODDS_API, Bookmaker, CollectorRun, Event, Lease, Selection, Sport

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ZERO = Decimal(0)


class SportFactory(DjangoModelFactory):
    class Meta:
        model = Sport
        django_get_or_create = ("key",)  # ingestion may have written it already

    key = "soccer_epl"
    title = factory.LazyAttribute(lambda sport: sport.key.replace("_", " ").title())


class BookmakerFactory(DjangoModelFactory):
    class Meta:
        model = Bookmaker
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"book{n}")
    title = factory.LazyAttribute(lambda book: book.key.title())

    class Params:
        pinnacle = factory.Trait(key="pinnacle", title="Pinnacle", is_sharp=True)


class EventFactory(DjangoModelFactory):
    """An event without prices (for prices, ``ingest`` an ``EventOddsFactory``)."""

    class Meta:
        model = Event

    source = ODDS_API
    provider_id = factory.Sequence(lambda n: f"event-{n}")
    sport = factory.SubFactory(SportFactory)
    home_team = "Home"
    away_team = "Away"
    commence_time = NOW + timedelta(days=1)


class SelectionFactory(DjangoModelFactory):
    class Meta:
        model = Selection

    event = factory.SubFactory(EventFactory)
    market = H2H
    outcome = factory.LazyAttribute(lambda selection: selection.event.home_team)
    point = ZERO
    line = factory.LazyAttribute(lambda s: line_of(s.market, s.outcome, s.point, s.event.home_team))


class CollectorRunFactory(DjangoModelFactory):
    class Meta:
        model = CollectorRun

    kind = "odds"
    source = ODDS_API
    sport_key = "soccer_epl"
    started_at = factory.LazyFunction(timezone.now)


class LeaseFactory(DjangoModelFactory):
    class Meta:
        model = Lease

    name = "odds:soccer_epl"
    holder = factory.Sequence(lambda n: f"task-{n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=5))


class QuoteFactory(factory.Factory):
    """One price as a provider's parser hands it to ingestion; ``home`` names the home side, which
    the line of a spread depends on."""

    class Meta:
        model = Quote

    class Params:
        home = "Home"

    bookmaker = "bet365"
    market = H2H
    outcome = factory.SelfAttribute("home")
    point = ZERO
    line = factory.LazyAttribute(lambda quote: line_of(quote.market, quote.outcome, quote.point, quote.home))
    price = Decimal("2.000")
    observed_at = NOW


class EventOddsFactory(factory.Factory):
    """One event of a parsed snapshot, with its quotes; ``ingest`` writes it."""

    class Meta:
        model = EventOdds

    source = ODDS_API
    provider_id = factory.Sequence(lambda n: f"event-{n}")
    sport_key = "soccer_epl"
    home_team = "Home"
    away_team = "Away"
    commence_time = NOW + timedelta(days=1)
    quotes = factory.LazyFunction(list)


def ingest(*events: EventOdds, collected_at: datetime = NOW, seen_at: datetime | None = None) -> list[Event]:
    """Ingest ``events`` as one snapshot collected at ``collected_at``, as an import or (``seen_at``)
    a live collection seeing them then; their rows, in that order."""
    ingest_snapshot(snapshot=Snapshot(events=list(events)), collected_at=collected_at, seen_at=seen_at)
    return [Event.objects.get(source=odds.source, provider_id=odds.provider_id) for odds in events]
