"""factory_boy factories for bets and the bankroll ledger.

A bet that a test is about goes through ``bets.services.place_bet``, which validates it, links its
selection and writes its audit: ``BetInputFactory`` builds the service's input, on a given event
(one made with ``opportunities.tests.factories.h2h_event``, so its prices are there). A ledger row
is written directly by ``LedgerEntryFactory``, for a test about something else that needs a
bankroll (the ledger service's own rules are tested in ``test_services``).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from bets.models import LedgerEntry
from bets.services import BetInput
from odds.models import H2H
from odds.tests.factories import NOW


class BetInputFactory(factory.Factory):
    """10.00 on ``event``'s home side in its match result at bet365, 2.100."""

    class Meta:
        model = BetInput

    class Params:
        event = None

    event_id = factory.LazyAttribute(lambda bet: bet.event.pk)
    market = H2H
    outcome = factory.LazyAttribute(lambda bet: bet.event.home_team)
    point = None
    bookmaker = "bet365"
    price = "2.100"
    stake = "10.00"


class LedgerEntryFactory(DjangoModelFactory):
    """A deposit of 1000.00 a month before the tests' fixed now, so every bankroll they read counts it."""

    class Meta:
        model = LedgerEntry

    kind = LedgerEntry.DEPOSIT
    amount = Decimal("1000.00")
    at = NOW - timedelta(days=30)
