"""Sports, bookmakers, events and every price ever observed.

Prices are keyed by a *selection* (one outcome of one market line of one event: "Arsenal, spreads,
-1.5") and a bookmaker. ``Price`` holds the latest price per key, so "best price now" never scans
history; ``PriceHistory`` holds one row per change, keyed by (selection, bookmaker, observed_at).
Both store ``point`` 0 for h2h so the key has no NULL; the API shows ``null`` there.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from odds.selectors import BestPrice

H2H, SPREADS, TOTALS = "h2h", "spreads", "totals"
MARKETS = [(H2H, "Match result"), (SPREADS, "Handicap"), (TOTALS, "Over/under")]  # what a bettor backs
# An exchange's lay prices of h2h (The Odds API's ``h2h_lay``): stored as their own market, so a lay
# price never stands for a back price, and read only where asked for (the midpoint reference).
H2H_LAY = "h2h_lay"
LAY_MARKETS = {H2H_LAY: H2H}  # a lay market: the back market it lays
SELECTION_MARKETS = [*MARKETS, (H2H_LAY, "Match result, exchange lay")]
BACK_MARKETS = [key for key, _ in MARKETS]
DRAW, OVER, UNDER = "Draw", "Over", "Under"

ODDS_API, FOOTBALL_DATA, DEMO = "odds_api", "football_data", "demo"
SOURCES = [(ODDS_API, "The Odds API"), (FOOTBALL_DATA, "football-data.co.uk"), (DEMO, "Demo market")]


class Sport(models.Model):
    key = models.CharField(max_length=64, unique=True)
    group = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=128)
    active = models.BooleanField(default=True, help_text="In season at the provider.")
    collect = models.BooleanField(default=False, help_text="Collect odds for this sport on the schedule.")
    regions = models.CharField(max_length=64, blank=True, help_text="Comma-separated; blank = ODDS_API_REGIONS.")
    markets = models.CharField(max_length=64, blank=True, help_text="Comma-separated; blank = ODDS_API_MARKETS.")

    class Meta:
        ordering = ["group", "title"]

    def __str__(self) -> str:
        return self.title


class Bookmaker(models.Model):
    id = models.SmallAutoField(primary_key=True)
    key = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=128)
    region = models.CharField(max_length=16, blank=True)
    is_sharp = models.BooleanField(default=False, help_text="Prices close to the true probability.")
    is_exchange = models.BooleanField(default=False)
    is_aggregate = models.BooleanField(default=False, help_text="Not a bookmaker: a market best or average.")
    commission = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal("0"),
        help_text="Share of net winnings an exchange keeps, e.g. 0.05; 0 for a bookmaker.",
    )
    stake_rounding = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="Stakes here round down to this unit."
    )
    max_stake = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="The largest stake this book accepts."
    )
    active = models.BooleanField(default=True, help_text="The bettor has an account here.")

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commission__gte=0) & Q(commission__lt=1), name="bookmaker_commission_share"
            ),
            models.CheckConstraint(condition=Q(stake_rounding__gt=0), name="bookmaker_stake_rounding_positive"),
            models.CheckConstraint(condition=Q(max_stake__gt=0), name="bookmaker_max_stake_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class EventQuerySet(models.QuerySet["Event"]):
    def upcoming(self, now: datetime | None = None) -> EventQuerySet:
        from django.utils import timezone

        return self.filter(commence_time__gt=now or timezone.now(), completed=False)


class Event(models.Model):
    source = models.CharField(max_length=16, choices=SOURCES)
    provider_id = models.CharField(max_length=128)
    sport = models.ForeignKey(Sport, on_delete=models.PROTECT, related_name="events")
    home_team = models.CharField(max_length=128)
    away_team = models.CharField(max_length=128)
    commence_time = models.DateTimeField()
    completed = models.BooleanField(default=False)
    cancelled = models.BooleanField(default=False)
    home_score = models.PositiveSmallIntegerField(null=True, blank=True)
    away_score = models.PositiveSmallIntegerField(null=True, blank=True)
    scores_updated_at = models.DateTimeField(null=True, blank=True)
    last_collected_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()
    # Not a column: the odds API sets it (odds.selectors.best_prices) for its serializer.
    best_prices: list[BestPrice]

    class Meta:
        ordering = ["commence_time"]
        constraints = [models.UniqueConstraint(fields=["source", "provider_id"], name="event_source_provider_uniq")]
        indexes = [
            models.Index(fields=["sport", "commence_time"], name="event_sport_time_idx"),
            models.Index(fields=["commence_time"], name="event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.home_team} v {self.away_team}"

    @property
    def name(self) -> str:
        return str(self)

    @property
    def has_result(self) -> bool:
        return self.home_score is not None and self.away_score is not None


class Selection(models.Model):
    """One outcome of one market line of one event; ``line`` groups the outcomes of a line.

    ``line`` is the home side's handicap for spreads (the away outcome's point negated), the total
    for totals, and 0 for h2h, so the outcomes to devig together share (event, market, line).
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="selections")
    market = models.CharField(max_length=16, choices=SELECTION_MARKETS)
    outcome = models.CharField(max_length=128)
    point = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(0))
    line = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "market", "outcome", "point"], name="selection_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.market} {self.outcome}" + (f" {self.point:+}" if self.market != H2H else "")

    @property
    def point_or_none(self) -> Decimal | None:
        return None if self.market in (H2H, H2H_LAY) else self.point


class PriceQuerySet(models.QuerySet["Price"]):
    def for_event(self, event_id: int) -> PriceQuerySet:
        return self.filter(selection__event_id=event_id)


class Price(models.Model):
    """The latest price of a selection at a bookmaker, and when it was last observed at that price.

    ``observed_at`` is the newest observation of this price (an unchanged price seen again moves it
    forward), so an older snapshot can never replace it: only a newer observation moves a current
    price, and only a newer complete snapshot withdraws it (``WithdrawnPrice``).

    ``last_seen_at`` is when a collection or an import last saw the bookmaker quote it: a live
    collection's time, even for a market skipped as unchanged, or an import's observation time. It
    only moves forward, and never before ``observed_at``; history stays one row per change.
    """

    pk = models.CompositePrimaryKey("selection", "bookmaker")
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="prices", db_index=False)
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="prices", db_index=False)
    price = models.DecimalField(max_digits=8, decimal_places=3)
    observed_at = models.DateTimeField()
    collected_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    # The Odds API's ``bet_limit`` with ``includeBetLimits``: what an exchange has on offer at this price.
    available = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="An exchange's amount available at the price."
    )

    objects = PriceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=1), name="price_above_one"),
            models.CheckConstraint(condition=Q(available__gte=0), name="price_available_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.selection_id}@{self.bookmaker_id} {self.price}"

    @property
    def net_price(self) -> Decimal | None:
        """A back price net of its bookmaker's commission (select both), None where it is the same."""
        commission = self.bookmaker.commission
        if not commission or self.selection.market in LAY_MARKETS:
            return None
        from opportunities.pricing import net_price  # the one rule, pure maths

        return net_price(self.price, commission).quantize(Decimal("0.001"))


class WithdrawnPrice(models.Model):
    """A current price that a complete snapshot no longer quoted, and the time of that snapshot.

    Re-importing a snapshot older than ``withdrawn_at`` must not bring the price back; a newer
    observation does (and removes this row).
    """

    pk = models.CompositePrimaryKey("selection", "bookmaker")
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="+", db_index=False)
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="+", db_index=False)
    withdrawn_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.selection_id}@{self.bookmaker_id} withdrawn at {self.withdrawn_at:%Y-%m-%d %H:%M}"


class ClosingPrice(models.Model):
    """A current price as it stood at its event's kick-off: copied by the first write of a snapshot
    seen after kick-off, before that write changes, sees again or withdraws it, so that when the price
    in force at kick-off was last seen before it is still known (``odds.store.closing_quote``)."""

    pk = models.CompositePrimaryKey("selection", "bookmaker")
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="+", db_index=False)
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="+", db_index=False)
    price = models.DecimalField(max_digits=8, decimal_places=3)
    observed_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.selection_id}@{self.bookmaker_id} {self.price} last seen {self.last_seen_at:%Y-%m-%d %H:%M}"


class PriceHistory(models.Model):
    """One row per price change, keyed by (selection, bookmaker, observed_at) in the database itself:
    the same observation can never be stored twice, whatever the order of imports. Read through our
    pages and API (the admin cannot show a composite key)."""

    pk = models.CompositePrimaryKey("selection", "bookmaker", "observed_at")
    # Fixed-width columns first: less padding per row at tens of millions of rows.
    observed_at = models.DateTimeField()
    collected_at = models.DateTimeField()
    # Ingestion upserts a row's selection and bookmaker in the same transaction; a history table of
    # tens of millions of rows pays no foreign-key check per insert (deletes cascade from Django).
    selection = models.ForeignKey(
        Selection, on_delete=models.CASCADE, db_index=False, db_constraint=False, related_name="+"
    )
    bookmaker = models.ForeignKey(
        Bookmaker, on_delete=models.CASCADE, db_index=False, db_constraint=False, related_name="+"
    )
    price = models.DecimalField(max_digits=8, decimal_places=3)

    class Meta:
        indexes = [BrinIndex(fields=["observed_at"], name="pricehistory_time_brin")]
        verbose_name_plural = "price history"

    def __str__(self) -> str:
        return f"{self.selection_id}@{self.bookmaker_id} {self.price} at {self.observed_at:%Y-%m-%d %H:%M}"


class CollectorRun(models.Model):
    RUNNING, OK, FAILED, SKIPPED = "running", "ok", "failed", "skipped"
    STATUSES = [(RUNNING, "Running"), (OK, "OK"), (FAILED, "Failed"), (SKIPPED, "Skipped")]

    kind = models.CharField(max_length=16, default="odds")  # odds, scores, import, demo
    source = models.CharField(max_length=16, choices=SOURCES, default=ODDS_API)
    sport_key = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=STATUSES, default=RUNNING)
    credits_used = models.IntegerField(null=True, blank=True, help_text="x-requests-used after the call")
    credits_remaining = models.IntegerField(null=True, blank=True, help_text="x-requests-remaining")
    credits_last = models.IntegerField(null=True, blank=True, help_text="x-requests-last: cost of the call")
    events_seen = models.IntegerField(default=0)
    prices_seen = models.IntegerField(default=0)
    history_written = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    key_fingerprint = models.CharField(max_length=12, blank=True, help_text="sha256 prefix, never the key")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["-started_at"], name="collectorrun_started_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sport_key} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class Lease(models.Model):
    """Who may run a job now (one collection per sport): held until ``expires_at``, so that a holder
    that died frees it by itself. The holder is the Celery task id where there is one: the same task
    delivered again after its worker died takes its own lease back at once."""

    name = models.CharField(max_length=128, primary_key=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class BackfillSnapshot(models.Model):
    """A moment of ``manage.py backfill_odds`` done: the historical snapshot in force at
    ``requested_at`` (for these markets and regions) is ingested, so a later run skips the moment.
    ``snapshot_at`` is that snapshot's own time; ``run`` the call that fetched it (one call covers
    every moment before the next snapshot)."""

    sport_key = models.CharField(max_length=64)
    markets = models.CharField(max_length=64, help_text="Comma-separated, sorted.")
    regions = models.CharField(max_length=64, help_text="Comma-separated, sorted.")
    requested_at = models.DateTimeField()
    snapshot_at = models.DateTimeField()
    run = models.ForeignKey(CollectorRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sport_key", "markets", "regions", "requested_at"], name="backfill_moment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sport_key} {self.markets} {self.regions} {self.requested_at:%Y-%m-%d %H:%M}"
