"""Reads over bets and the bankroll, shared by pages, API, stats and detection."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
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
