"""Markets built through the real ingestion path (prices go in the way collectors put them in), and
factory_boy factories for strategies, opportunities and alerts.

``quotes``, ``event_with`` and ``h2h_event`` are shorthands over ``odds.tests.factories``'
``QuoteFactory``, ``EventOddsFactory`` and ``ingest``. ``OpportunityFactory`` writes a row without a
detection pass: for tests about what reads an opportunity (a form, an alert), not about finding one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import factory
from factory.django import DjangoModelFactory

from odds.ingest import Quote
from odds.models import Event
from odds.tests.factories import NOW, ZERO, BookmakerFactory, EventOddsFactory, QuoteFactory, SelectionFactory, ingest
from opportunities import pricing
from opportunities.models import Alert, Opportunity, Strategy

CENT, POINT, PRICE, SHARE = Decimal("0.01"), Decimal("0.01"), Decimal("0.001"), Decimal("0.00001")


def quotes(
    home: str,
    prices: dict[str, dict[str, float]],
    *,
    market: str = "h2h",
    point: float = 0,
    observed_at: datetime = NOW,
) -> list[Quote]:
    """``prices``: {bookmaker: {outcome: price}}. For spreads, ``point`` is the home handicap."""
    made = []
    for book, by_outcome in prices.items():
        for outcome, price in by_outcome.items():
            p = Decimal(str(point))
            if market == "spreads" and outcome != home:
                p = -p
            if market == "h2h":
                p = ZERO
            made.append(
                QuoteFactory.build(
                    home=home,
                    bookmaker=book,
                    market=market,
                    outcome=outcome,
                    point=p.quantize(POINT),
                    price=Decimal(str(price)).quantize(PRICE),
                    observed_at=observed_at,
                )
            )
    return made


def event_with(
    provider_id: str,
    quote_list: list[Quote],
    *,
    home: str = "Home",
    away: str = "Away",
    kickoff: datetime | None = None,
    sport: str = "soccer_epl",
    collected_at: datetime = NOW,
    seen_at: datetime | None = None,
) -> Event:
    """An event and its quotes, ingested as an import (each price seen when observed) or, with
    ``seen_at``, as a live collection at that time."""
    odds = EventOddsFactory.build(
        provider_id=provider_id,
        sport_key=sport,
        home_team=home,
        away_team=away,
        commence_time=kickoff or NOW + timedelta(days=1),
        quotes=quote_list,
    )
    [event] = ingest(odds, collected_at=collected_at, seen_at=seen_at)
    return event


def h2h_event(provider_id: str, prices: dict[str, dict[str, float]], **kwargs) -> Event:
    """Prices keyed by "H", "D", "A" for home, draw, away."""
    names = {"H": kwargs.get("home", "Home"), "D": "Draw", "A": kwargs.get("away", "Away")}
    named = {book: {names[k]: v for k, v in by.items()} for book, by in prices.items()}
    observed_at = kwargs.pop("observed_at", NOW)
    return event_with(provider_id, quotes(names["H"], named, observed_at=observed_at), **kwargs)


class StrategyFactory(DjangoModelFactory):
    """A strategy with the model's defaults; ``pinnacle=True`` gives the one most detection tests use:
    Pinnacle's prices, devigged multiplicatively, are the truth, and prices last collected more than
    an hour ago are ignored. ``sports`` and ``bookmakers`` take lists."""

    class Meta:
        model = Strategy
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Strategy {n}")

    class Params:
        pinnacle = factory.Trait(
            name="Pinnacle",
            reference_bookmaker=factory.SubFactory(BookmakerFactory, pinnacle=True),
            devig_method="multiplicative",
            max_price_age_minutes=60,
        )

    @factory.post_generation
    def sports(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.sports.set(extracted)

    @factory.post_generation
    def bookmakers(self, create: bool, extracted: list | None, **kwargs) -> None:
        if create and extracted:
            self.bookmakers.set(extracted)


class OpportunityFactory(DjangoModelFactory):
    """An active opportunity on ``selection`` at ``bookmaker``: its fair price, edge and Kelly share
    (the strategy's fraction, capped at its largest stake) computed from ``price`` and
    ``fair_probability`` by ``opportunities.pricing``, its stake on a bankroll of ``bankroll``."""

    class Meta:
        model = Opportunity

    class Params:
        bankroll = Decimal("1000.00")

    strategy = factory.SubFactory(StrategyFactory)
    selection = factory.SubFactory(SelectionFactory)
    event = factory.SelfAttribute("selection.event")
    bookmaker = factory.SubFactory(BookmakerFactory)
    market = factory.SelfAttribute("selection.market")
    outcome = factory.SelfAttribute("selection.outcome")
    point = factory.LazyAttribute(lambda o: o.selection.point_or_none)
    price = Decimal("2.200")
    fair_probability = Decimal("0.500000")
    fair_price = factory.LazyAttribute(lambda o: _q(pricing.fair_price(float(o.fair_probability)), PRICE))
    edge = factory.LazyAttribute(lambda o: pricing.edge(o.price, o.fair_probability).quantize(SHARE, ROUND_HALF_UP))
    kelly_share = factory.LazyAttribute(lambda o: _q(_kelly(o), SHARE))
    suggested_stake = factory.LazyAttribute(lambda o: (o.bankroll * o.kelly_share).quantize(CENT))
    price_observed_at = NOW
    detected_at = NOW
    last_seen_at = NOW


class AlertFactory(DjangoModelFactory):
    class Meta:
        model = Alert

    opportunity = factory.SubFactory(OpportunityFactory)
    channel = Alert.WEBHOOK
    target = "https://hooks.example.test/monps"


def _kelly(opportunity: factory.builder.Resolver) -> float:
    strategy = opportunity.strategy
    return pricing.kelly(
        float(opportunity.price),
        float(opportunity.fair_probability),
        float(strategy.kelly_fraction),
        cap=float(strategy.max_stake_share),
    )


def _q(value: float, step: Decimal) -> Decimal:
    return Decimal(repr(value)).quantize(step, ROUND_HALF_UP)


def seen_again(event: Event, at: datetime) -> None:
    """A live collection at ``at`` that finds every current price of ``event`` as it was observed."""
    from odds.models import Price

    prices = Price.objects.filter(selection__event=event).select_related("selection", "bookmaker")
    odds = EventOddsFactory.build(
        source=event.source,
        provider_id=event.provider_id,
        sport_key=event.sport.key,
        home_team=event.home_team,
        away_team=event.away_team,
        commence_time=event.commence_time,
        quotes=[
            Quote(
                p.bookmaker.key,
                p.selection.market,
                p.selection.outcome,
                p.selection.point,
                p.selection.line,
                p.price,
                p.observed_at,
            )
            for p in prices
        ],
    )
    ingest(odds, collected_at=at, seen_at=at)
