"""Strategies, the opportunities they find, surebets, and the alerts sent about them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Self, TypeVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from odds.models import MARKETS, Bookmaker, Event, Selection, Sport
from opportunities.pricing import METHODS, net_price
from opportunities.valuation import BEST, BOOK, MIDPOINT

if TYPE_CHECKING:
    from stats.models import Calibration

CONSENSUS = "consensus"
# A Telegram chat as sendMessage takes it: its number (groups and channels: -100…) or a channel's @name.
TELEGRAM_CHAT = RegexValidator(
    r"\A(?:-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})\Z", "a chat's number (e.g. -1001234567890) or a channel's @name"
)


class Strategy(models.Model):
    """What counts as value: against whose fair price, by which devig method, and how much to stake."""

    name = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    reference_bookmaker = models.ForeignKey(
        Bookmaker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The sharp book whose prices are the truth. Blank: the consensus of all bookmakers.",
    )
    fair_basis = models.CharField(
        max_length=24,
        choices=[(BOOK, "the reference book's prices, or the consensus"), (MIDPOINT, "exchange back/lay midpoint")],
        default=BOOK,
        blank=True,  # a form that does not name it: the reference book or the consensus, as before
        help_text="Exchange midpoint: each outcome's fair price halfway between the best exchange back and lay "
        "prices (of the reference book alone, when one is chosen), devigged by the method.",
    )
    min_books = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)], help_text="Consensus: fewest bookmakers with a complete market."
    )
    devig_method = models.CharField(
        max_length=16,
        choices=[(m, m.replace("_", " ")) for m in METHODS] + [(BEST, "best-scoring (manage.py calibrate)")],
        default="shin",
        help_text="Best-scoring: per sport and market, the method with the lowest log loss on stored results.",
    )
    min_edge = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0200"),
        validators=[MinValueValidator(Decimal("-1"))],
        help_text="Expected return per unit staked, e.g. 0.02 = 2%.",
    )
    min_price = models.DecimalField(
        max_digits=8, decimal_places=3, default=Decimal("1.200"), validators=[MinValueValidator(Decimal("1.001"))]
    )
    max_price = models.DecimalField(
        max_digits=8, decimal_places=3, default=Decimal("15.000"), validators=[MinValueValidator(Decimal("1.001"))]
    )
    markets = models.CharField(max_length=64, default="h2h,spreads,totals", help_text="Comma-separated market keys.")
    sports = models.ManyToManyField(Sport, blank=True, help_text="None selected: every sport.")
    bookmakers = models.ManyToManyField(
        Bookmaker, blank=True, related_name="+", help_text="Books you can bet at. None selected: every book."
    )
    kelly_fraction = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.250"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    max_stake_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.050"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text="Largest stake as a share of bankroll.",
    )
    min_minutes_before_kickoff = models.PositiveIntegerField(default=5)
    max_price_age_minutes = models.PositiveIntegerField(
        default=180, help_text="Ignore an event whose prices were last collected longer ago than this."
    )
    alert_min_edge = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Alert on new opportunities at least this good. Blank: no alerts.",
    )
    alert_max_age_minutes = models.PositiveIntegerField(default=30, help_text="No alert for a price older than this.")
    alert_email = models.BooleanField(default=True, help_text="E-mail ALERT_EMAIL_TO.")
    webhook_url = models.URLField(blank=True, help_text="JSON POST on each alert (ntfy, Discord, Slack…).")
    alert_telegram = models.BooleanField(
        default=True, help_text="Telegram, when TELEGRAM_BOT_TOKEN is set: to the chat below, or TELEGRAM_CHAT_ID."
    )
    telegram_chat_id = models.CharField(
        max_length=32,
        blank=True,
        validators=[TELEGRAM_CHAT],
        verbose_name="Telegram chat",
        help_text="A chat's number or a channel's @name. Blank: TELEGRAM_CHAT_ID.",
    )

    # Not a column: the strategies page sets it, the calibrations a best-scoring method resolves to.
    calibrated: list[Calibration]

    class Meta:
        verbose_name_plural = "strategies"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_price__gt=models.F("min_price")), name="strategy_price_range")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reference_label(self) -> str:
        if self.fair_basis == MIDPOINT:
            where = self.reference_bookmaker.title if self.reference_bookmaker else "the exchanges"
            return f"back/lay midpoint of {where}"
        return self.reference_bookmaker.title if self.reference_bookmaker else f"consensus ({self.min_books}+)"

    @property
    def market_list(self) -> list[str]:
        keys = {key for key, _ in MARKETS}
        return [m.strip() for m in self.markets.split(",") if m.strip() in keys]


Found = TypeVar("Found", bound=models.Model)  # an Opportunity or a Surebet: both expire


class OpportunityQuerySet(models.QuerySet[Found]):
    def active(self) -> Self:
        return self.filter(expired_at__isnull=True)

    def visible_to(self, user_id: int) -> Self:
        """Less those on a selection and bookmaker this user hid (``HiddenOpportunity``)."""
        return self.exclude(Exists(HiddenOpportunity.objects.matching(user_id)))


class Opportunity(models.Model):
    """A price that beats the fair price. Seen again: updated in place; gone: expired."""

    strategy = models.ForeignKey(Strategy, on_delete=models.CASCADE, related_name="opportunities")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="opportunities")
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="+")
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="+")
    market = models.CharField(max_length=16, choices=MARKETS)
    outcome = models.CharField(max_length=128)
    point = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=3)
    fair_probability = models.DecimalField(max_digits=7, decimal_places=6)
    fair_price = models.DecimalField(max_digits=9, decimal_places=3)
    edge = models.DecimalField(max_digits=7, decimal_places=5)
    kelly_share = models.DecimalField(max_digits=7, decimal_places=5)
    suggested_stake = models.DecimalField(max_digits=12, decimal_places=2)
    price_observed_at = models.DateTimeField()
    detected_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expired_at = models.DateTimeField(null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "opportunities"
        ordering = ["-edge"]
        # One active row per (strategy, selection, bookmaker): detection passes take a transaction
        # lock, and on plain PostgreSQL this index is unique (migration 0007); TimescaleDB allows no
        # unique index without detected_at, so there the lock alone keeps it.
        indexes = [
            models.Index(
                fields=["strategy", "selection", "bookmaker"],
                condition=Q(expired_at__isnull=True),
                name="opportunity_active_key",
            ),
            models.Index(fields=["-edge"], condition=Q(expired_at__isnull=True), name="opportunity_active_edge"),
            models.Index(fields=["-detected_at"], name="opportunity_detected"),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} @ {self.price} ({self.bookmaker_id}) edge {self.edge:.2%}"

    @property
    def is_active(self) -> bool:
        return self.expired_at is None

    @property
    def net_price(self) -> Decimal:
        """What the price pays per unit after the bookmaker's commission (its rate now: select it)."""
        return net_price(self.price, self.bookmaker.commission).quantize(Decimal("0.001"))


class HiddenOpportunityQuerySet(models.QuerySet["HiddenOpportunity"]):
    def matching(self, user_id: int) -> Self:
        """This user's hidden row for the outer query's opportunity (for ``Exists``)."""
        return self.filter(user_id=user_id, selection=OuterRef("selection"), bookmaker=OuterRef("bookmaker"))


class HiddenOpportunity(models.Model):
    """A bettor's "not this one": one outcome of one line at one bookmaker, kept out of their list.

    Keyed by selection and bookmaker, not by opportunity row or strategy: it is the bet the bettor
    declines, so it stays hidden when detection updates the row's price, expires it and finds it again
    (a new row), and whichever strategy finds it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="+")
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="+")
    hidden_at = models.DateTimeField(default=timezone.now)

    objects = HiddenOpportunityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "hidden opportunities"
        constraints = [
            models.UniqueConstraint(fields=["user", "selection", "bookmaker"], name="hidden_opportunity_once")
        ]

    def __str__(self) -> str:
        return f"selection {self.selection_id} at bookmaker {self.bookmaker_id} hidden by user {self.user_id}"


class Surebet(models.Model):
    """The best prices of every outcome of one market line, across bookmakers, sum below 1."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="surebets")
    market = models.CharField(max_length=16, choices=MARKETS)
    line = models.DecimalField(max_digits=7, decimal_places=2)
    legs = models.JSONField(help_text="[{outcome, point, bookmaker, price, net_price, stake_share}]")
    locked_return = models.DecimalField(max_digits=7, decimal_places=5)
    detected_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    expired_at = models.DateTimeField(null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["-locked_return"]
        indexes = [
            models.Index(
                fields=["event", "market", "line"], condition=Q(expired_at__isnull=True), name="surebet_active_key"
            )
        ]

    def __str__(self) -> str:
        return f"surebet {self.market} {self.line} +{self.locked_return:.2%}"


class Alert(models.Model):
    """One message on one channel about new opportunities: one opportunity, or a digest of a pass's many.

    Its delivery states and what they guarantee are described in opportunities/alerts.py."""

    EMAIL, WEBHOOK, TELEGRAM = "email", "webhook", "telegram"
    PENDING, SENDING, SENT, UNCONFIRMED, FAILED = "pending", "sending", "sent", "unconfirmed", "failed"

    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="alerts",
        help_text="The opportunity, or a digest's best.",
    )
    channel = models.CharField(max_length=16, choices=[(EMAIL, "E-mail"), (WEBHOOK, "Webhook"), (TELEGRAM, "Telegram")])
    target = models.CharField(max_length=500)
    idempotency_key = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Sent with every attempt (Idempotency-Key header and JSON body, e-mail Message-ID), "
        "so a receiver can tell a message sent again from a new one.",
    )
    opportunity_count = models.PositiveIntegerField(
        default=1, help_text="The new opportunities it is about; more than one: a digest."
    )
    listed = ArrayField(
        models.BigIntegerField(), default=list, blank=True, help_text="A digest's opportunities, best edge first."
    )
    status = models.CharField(
        max_length=16,
        default=PENDING,
        choices=[
            (PENDING, "Pending"),
            (SENDING, "Sending"),
            (SENT, "Sent"),
            (UNCONFIRMED, "Unconfirmed"),
            (FAILED, "Failed"),
        ],
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    reclaims = models.PositiveSmallIntegerField(
        default=0, help_text="Attempts taken over from a worker lost before it handed the message over."
    )
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the latest attempt began.")
    handed_over_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest attempt began handing the message to its receiver."
    )
    last_error = models.TextField(blank=True)
    retry_after = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Seconds the receiver asked to wait before the next attempt (Telegram's "
        "retry_after, a Retry-After header).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "channel"], name="alert_once_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel} {'digest' if self.is_digest else 'alert'} {self.status}"

    @property
    def is_digest(self) -> bool:
        return self.opportunity_count > 1


class DetectionRun(models.Model):
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    events = models.PositiveIntegerField(default=0)
    prices = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    surebets = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"detection {self.started_at:%Y-%m-%d %H:%M} {self.duration_ms} ms"


# Backtests keep their models in a module of their own; Django finds them here, as this app's.
from opportunities.backtest_models import BacktestBet as BacktestBet  # noqa: E402
from opportunities.backtest_models import BacktestRun as BacktestRun  # noqa: E402
