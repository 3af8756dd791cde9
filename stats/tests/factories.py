"""factory_boy factories for stats' rows.

A calibration a test is about is computed and stored by ``manage.py calibrate`` from ingested
events (``stats.tests.conftest``); ``CalibrationFactory`` writes a stored calibration directly, for
a test about what reads one (a strategy taking the best-scoring method, a page's link), whose
scores it does not read.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from odds.models import H2H
from odds.tests.factories import NOW, BookmakerFactory, SportFactory
from stats.models import CLOSING, Calibration


class CalibrationFactory(DjangoModelFactory):
    """Pinnacle's closing h2h calibration of the EPL on 100 events, power the best."""

    class Meta:
        model = Calibration

    sport = factory.SubFactory(SportFactory)
    market = H2H
    point = Decimal(0)
    reference = factory.SubFactory(BookmakerFactory, pinnacle=True)
    at = CLOSING
    events = 100
    results = factory.LazyFunction(list)
    reliability = factory.LazyFunction(dict)
    best = "power"
    best_share = 0.9
    resamples = 10
    seed = 0
    computed_at = NOW
