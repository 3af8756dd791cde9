"""A detection pass over the response's 100,000 current prices, against merely reading them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection

from bench.data import SHARP
from bench.report import Report, against, median, timed

BAR = 2


def bench_detection(report: Report, repeat: int) -> None:
    """Detection passes over the prices in the tables now, against reading them."""
    from odds.models import Bookmaker, Price
    from opportunities.detection import QUOTES_SQL, STREAM_ROWS, detect
    from opportunities.models import Opportunity, Strategy

    Strategy.objects.all().delete()
    Strategy.objects.create(
        name="bench",
        reference_bookmaker=Bookmaker.objects.get(key=SHARP),
        devig_method="shin",
        min_edge=Decimal("0.02"),
        max_price_age_minutes=10**6,
    )
    count = Price.objects.count()
    # The statistics that autovacuum gathers within a minute of such a load: the plans measured (the
    # reference's too) are those of a database in use.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE odds_price, odds_selection, odds_event")
    params = {"now": datetime.now(UTC)}

    # The query with which detection reads every price (for a consensus strategy), read whole or
    # streamed in detection's chunks: the faster of the two is the fastest way to have them in Python.
    def fetched() -> None:
        with connection.cursor() as cursor:
            cursor.execute(QUOTES_SQL, params)
            cursor.fetchall()

    def streamed() -> None:
        with connection.cursor() as cursor:
            list(cursor.cursor.stream(QUOTES_SQL, params, size=STREAM_ROWS))

    reading = min(timed(fetched, repeat), timed(streamed, repeat), key=median)
    # Every opportunity new (the worst case for writes), then every one seen again (a pass in use).
    passes = timed(lambda: detect(), repeat, setup=lambda: Opportunity.objects.all().delete())
    again = timed(lambda: detect(), repeat)
    # A consensus strategy needs every complete book's prices: with one active, detection reads them all.
    consensus = Strategy.objects.create(
        name="bench consensus", devig_method="multiplicative", min_books=3, min_edge=Decimal("0.03")
    )
    every = timed(lambda: detect(), repeat)
    consensus.delete()
    report.add(against(f"detection: full pass over {count} prices", passes, reading, bar=BAR))
    report.add(against("detection: the same, every opportunity seen again", again, reading, bar=BAR))
    report.add(against("detection: with a consensus strategy (every price read)", every, reading, bar=None))
