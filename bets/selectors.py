"""Reads over bets and the bankroll, shared by pages, API, stats and detection."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from bets.models import Bet, LedgerEntry

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bankroll:
    ledger: Decimal  # deposits, withdrawals and adjustments
    settled_profit: Decimal
    exposure: Decimal  # stakes of pending bets

    @property
    def now(self) -> Decimal:
        return self.ledger + self.settled_profit

    @property
    def available(self) -> Decimal:
        return self.now - self.exposure


def bankroll() -> Bankroll:
    """Bankroll now = ledger total + settled profit; exposure = pending stakes. Two queries."""
    ledger = LedgerEntry.objects.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]
    bets = Bet.objects.aggregate(
        profit=Coalesce(Sum("profit", filter=~Q(status=Bet.PENDING)), ZERO),
        exposure=Coalesce(Sum("stake", filter=Q(status=Bet.PENDING)), ZERO),
    )
    return Bankroll(ledger, bets["profit"], bets["exposure"])


def bets(*, status: str | None = None) -> QuerySet[Bet]:
    """Bets with what their rows show, pending first, newest first: one query. The lists filter
    them with ``bets.filters.BetFilter``."""
    from django.db.models import Case, IntegerField, Value, When

    queryset = (
        Bet.objects.select_related("event__sport", "bookmaker")
        .annotate(
            pending_first=Case(When(status=Bet.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("pending_first", "-placed_at", "-id")
    )
    return queryset.with_status(status) if status else queryset


@dataclass(frozen=True)
class Totals:
    count: int
    pending: int
    staked: Decimal
    settled_stake: Decimal
    profit: Decimal
    average_clv: Decimal | None

    @property
    def yield_(self) -> Decimal | None:
        """Profit per unit of settled stake, as stats.selectors defines yield."""
        return (self.profit / self.settled_stake) if self.settled_stake else None


def totals(queryset: QuerySet[Bet]) -> Totals:
    """Totals of a filtered set of bets: one query."""
    from django.db.models import Avg, Count

    settled = ~Q(status=Bet.PENDING) & ~Q(status=Bet.VOID)
    row = queryset.order_by().aggregate(
        count=Count("id"),
        pending=Count("id", filter=Q(status=Bet.PENDING)),
        staked=Coalesce(Sum("stake"), ZERO),
        settled_stake=Coalesce(Sum("stake", filter=settled), ZERO),
        profit=Coalesce(Sum("profit", filter=~Q(status=Bet.PENDING)), ZERO),
        clv=Avg("clv"),
    )
    return Totals(row["count"], row["pending"], row["staked"], row["settled_stake"], row["profit"], row["clv"])
