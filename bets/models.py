"""Bets, their audit trail, and the bankroll ledger. Money is Decimal to the cent."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from odds.models import MARKETS, Bookmaker, Event, Selection
from opportunities.pricing import net_price


class BetQuerySet(models.QuerySet["Bet"]):
    def pending(self) -> BetQuerySet:
        return self.filter(status=Bet.PENDING)

    def settled(self) -> BetQuerySet:
        return self.exclude(status=Bet.PENDING)

    def with_status(self, status: str) -> BetQuerySet:
        """Bets of one status, or every settled one for "settled" (the lists' status filter)."""
        return self.settled() if status == "settled" else self.filter(status=status)


class Bet(models.Model):  # type: ignore[django-manager-missing]  # its trail: a class pghistory makes
    PENDING, WON, LOST, VOID, HALF_WON, HALF_LOST, PUSH = (
        "pending",
        "won",
        "lost",
        "void",
        "half_won",
        "half_lost",
        "push",
    )
    STATUSES = [
        (PENDING, "Pending"),
        (WON, "Won"),
        (LOST, "Lost"),
        (VOID, "Void"),
        (HALF_WON, "Half won"),
        (HALF_LOST, "Half lost"),
        (PUSH, "Push"),
    ]

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="bets")
    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="bets")
    market = models.CharField(max_length=16, choices=MARKETS)
    outcome = models.CharField(max_length=128)
    point = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Handicap or total; empty for h2h."
    )
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.PROTECT, related_name="bets")
    price = models.DecimalField(max_digits=8, decimal_places=3)
    stake = models.DecimalField(max_digits=12, decimal_places=2, help_text="The stake the book accepted.")
    stake_requested = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The stake asked for; above the stake when the book accepted less (a limit).",
    )
    # The bettor confirmed a stake above the book's recorded balance (bets.accounts).
    allow_over_balance = models.BooleanField(default=False)
    # The bookmaker's commission when the bet was placed: a later change of its rate changes no bet.
    commission = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal(0), help_text="Share of net winnings the exchange takes."
    )
    strategy_name = models.CharField(max_length=64, blank=True)
    strategy = models.ForeignKey(
        "opportunities.Strategy", null=True, blank=True, on_delete=models.SET_NULL, related_name="bets"
    )
    # On TimescaleDB opportunities are a hypertable: no database constraint can point at them.
    opportunity = models.ForeignKey(
        "opportunities.Opportunity",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="bets",
    )
    edge_at_placing = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    placed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=STATUSES, default=PENDING)
    profit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_manually = models.BooleanField(default=False)
    closing_price = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    closing_fair_probability = models.DecimalField(max_digits=7, decimal_places=6, null=True, blank=True)
    clv = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    closing_note = models.CharField(max_length=200, blank=True)
    # Where the closing fair probability came from (bets.closing): the reference book (none for a
    # consensus), when it last quoted the line by kick-off and how long before kick-off that was, the
    # line it quoted (for a line moved, the one the reference closed on: then no CLV), the method.
    closing_reference = models.ForeignKey(Bookmaker, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closing_seen_at = models.DateTimeField(null=True, blank=True)
    closing_age = models.DurationField(null=True, blank=True)
    closing_point = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    closing_method = models.CharField(max_length=16, blank=True)
    # The CLV under each devig method (``clv`` is the one of ``closing_method``), from the same books.
    clv_multiplicative = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    clv_additive = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    clv_power = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    clv_shin = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    clv_odds_ratio = models.DecimalField(max_digits=7, decimal_places=5, null=True, blank=True)
    # Every book's closing prices, ages and fair probabilities by method: what the bet's page shows.
    closing_provenance = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BetQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-placed_at"], name="bet_status_placed"),
            models.Index(fields=["-placed_at"], name="bet_placed"),
            models.Index(fields=["event"], name="bet_event"),
            # What is already staked on a selection (every opportunity row) and each book's sums
            # (its balance), read from the indexes alone.
            models.Index(
                fields=["selection"], include=["stake"], condition=Q(status="pending"), name="bet_pending_selection"
            ),
            models.Index(fields=["bookmaker", "status"], include=["stake", "profit"], name="bet_book_sums"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=1), name="bet_price_above_one"),
            models.CheckConstraint(condition=Q(stake__gt=0), name="bet_stake_positive"),
            models.CheckConstraint(
                condition=Q(stake_requested__isnull=True) | Q(stake_requested__gte=F("stake")),
                name="bet_stake_requested_not_below_stake",
            ),
            models.CheckConstraint(condition=Q(commission__gte=0) & Q(commission__lt=1), name="bet_commission_share"),
        ]

    def __str__(self) -> str:
        point = f" {self.point:+}" if self.point is not None else ""
        return f"{self.outcome}{point} @ {self.price} × {self.stake}"

    @property
    def is_settled(self) -> bool:
        return self.status != self.PENDING

    @property
    def net_price(self) -> Decimal:
        """What the price pays per unit after the commission the bet was placed with."""
        return net_price(self.price, self.commission).quantize(Decimal("0.001"))


# What the audit trail keeps of a bet, old and new, at every write. Left out: what follows from these
# (settled_at is the settle event's time; selection, closing probability and note come with them).
TRAIL_FIELDS = [
    "event",
    "market",
    "outcome",
    "point",
    "bookmaker",
    "price",
    "stake",
    "stake_requested",
    "allow_over_balance",
    "placed_at",
    "status",
    "profit",
    "strategy_name",
    "notes",
    "closing_price",
    "clv",
    "settled_manually",
]


class BetEvent(
    pghistory.create_event_model(  # type: ignore[misc]  # pghistory makes the model class at run time
        Bet,
        pghistory.InsertEvent(trigger_name="trail_insert"),
        pghistory.UpdateEvent(trigger_name="trail_update"),  # only when a trail field changes
        pghistory.DeleteEvent(trigger_name="trail_delete"),
        fields=TRAIL_FIELDS,
        # Who, via and action stored on each row as its statement ran: pghistory's shared context
        # row keeps only a transaction's last metadata (place_bet's create, then its settle).
        context_field=pghistory.ContextJSONField(),
        context_id_field=None,
        # On TimescaleDB bets_bet is keyed (id, placed_at): no constraint can point at id alone.
        obj_field=pghistory.ObjForeignKey(related_name="trail", db_constraint=False, db_index=False),
        append_only=True,
        model_name="BetEvent",
        meta={
            "ordering": ["pgh_id"],
            "indexes": [models.Index(fields=["pgh_obj", "pgh_id"], name="betevent_bet")],
            "verbose_name": "bet trail entry",
            "verbose_name_plural": "bet trail",
        },
    )
):
    """The audit trail: one row per insert, update and delete of a bet, written by a database trigger
    whatever made the write (django-pghistory): the trail fields after it (before it, for a delete),
    and in ``pgh_context`` who, via and action as ``bets.trail.recording`` named them."""

    def __str__(self) -> str:
        return f"{self.pgh_label} bet {self.pgh_obj_id} at {self.pgh_created_at:%Y-%m-%d %H:%M}"


class LedgerEntry(models.Model):
    DEPOSIT, WITHDRAWAL, ADJUSTMENT = "deposit", "withdrawal", "adjustment"
    KINDS = [(DEPOSIT, "Deposit"), (WITHDRAWAL, "Withdrawal"), (ADJUSTMENT, "Adjustment")]

    kind = models.CharField(max_length=16, choices=KINDS)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Signed: deposits positive, withdrawals negative."
    )
    # Money at one bookmaker (its account); without one, the general bankroll.
    bookmaker = models.ForeignKey(
        Bookmaker, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(kind="deposit") | Q(amount__gt=0), name="deposit_positive"),
            models.CheckConstraint(condition=~Q(kind="withdrawal") | Q(amount__lt=0), name="withdrawal_negative"),
        ]

    def __str__(self) -> str:
        where = f" at {self.bookmaker}" if self.bookmaker_id else ""
        return f"{self.kind} {self.amount}{where} on {self.at:%Y-%m-%d}"


class BookmakerLimit(models.Model):
    """A book accepting less than the stake asked for: the stake it took is its maximum from then on
    (``Bookmaker.max_stake`` follows the newest limit)."""

    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.PROTECT, related_name="limits")
    at = models.DateTimeField(default=timezone.now)
    market = models.CharField(max_length=16, choices=MARKETS)
    stake_accepted = models.DecimalField(max_digits=12, decimal_places=2)
    stake_requested = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # The bet that met the limit, if any; on TimescaleDB no constraint can point at a bet's id alone.
    bet = models.ForeignKey(
        Bet, null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False, related_name="limits"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["bookmaker", "-at"], name="limit_bookmaker_at")]
        constraints = [
            models.CheckConstraint(condition=Q(stake_accepted__gt=0), name="limit_stake_accepted_positive"),
            models.CheckConstraint(
                condition=Q(stake_requested__isnull=True) | Q(stake_requested__gt=F("stake_accepted")),
                name="limit_requested_above_accepted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bookmaker} took {self.stake_accepted} on {self.market} on {self.at:%Y-%m-%d}"
