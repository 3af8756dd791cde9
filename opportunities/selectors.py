"""Reads over opportunities shared by the page and the API: one query per list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, Round

from bets.models import Bet
from bets.selectors import balances
from opportunities.models import HiddenOpportunity, Opportunity, OpportunityQuerySet, Surebet

MONEY = DecimalField(max_digits=12, decimal_places=2)

ZERO = Value(Decimal("0.00"))

ORDERINGS = {
    "expected_profit": ["-expected_profit", "-edge", "-id"],
    "-expected_profit": ["-expected_profit", "-edge", "-id"],
    "edge": ["-edge", "-id"],
    "-edge": ["-edge", "-id"],
    "detected": ["-detected_at", "-id"],
    "-detected_at": ["-detected_at", "-id"],
    "detected_at": ["detected_at", "id"],
    "kickoff": ["event__commence_time", "-edge"],
}


def already_staked() -> Coalesce:
    """What pending bets already stake on the outer query's selection, at any bookmaker: the
    bankroll is one, so a second bet on the same outcome adds to the same risk."""
    pending = (
        Bet.objects.filter(selection=OuterRef("selection"), status=Bet.PENDING)
        .order_by()
        .values("selection")
        .annotate(total=Sum("stake"))
        .values("total")
    )
    return Coalesce(Subquery(pending, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


def book_balance() -> Case | Value:
    """The outer query's bookmaker's balance where one is recorded (never below 0), else NULL: read
    once for every book (``bets.selectors.balances``, one query) rather than summed again per row."""
    known = [
        When(bookmaker_id=account.bookmaker.pk, then=Value(max(account.balance, Decimal("0.00"))))
        for account in balances()
        if account.recorded
    ]
    return Case(*known, default=Value(None), output_field=MONEY) if known else Value(None, output_field=MONEY)


def opportunities(*, active: bool | None = True) -> OpportunityQuerySet[Any]:
    """Opportunities with what their rows show (active ones, expired ones, or with ``None`` both), by
    expected profit at the stake available: two queries (the books' balances, then the rows). The
    lists filter and order them with ``opportunities.filters``.

    Each carries ``already_staked`` (pending bets on its selection); ``kelly_left``, the suggested
    (Kelly) stake less what is already staked, never below 0; ``book_balance`` (what its book holds,
    never below 0, None when no balance is recorded there); ``remaining_stake``, the stake available:
    ``kelly_left`` capped at the book's maximum stake (its limit) and its balance (pages round it
    down to the bettor's stake rounding, the ``stake`` filter); and ``expected_profit`` = edge ×
    remaining_stake, by which they are ranked."""
    queryset = (
        Opportunity.objects.select_related("event__sport", "bookmaker", "strategy")
        .annotate(already_staked=already_staked(), book_balance=book_balance())
        .annotate(kelly_left=Greatest(F("suggested_stake") - F("already_staked"), ZERO, output_field=MONEY))
        # PostgreSQL's LEAST skips NULLs: a book without a limit or a recorded balance caps nothing
        # (a limit is above 0 by its constraint, a balance here never below 0).
        .annotate(
            remaining_stake=Least(F("kelly_left"), F("bookmaker__max_stake"), F("book_balance"), output_field=MONEY)
        )
        .annotate(expected_profit=Round(F("edge") * F("remaining_stake"), 2, output_field=MONEY))
    )
    if active is True:
        queryset = queryset.active()
    elif active is False:
        queryset = queryset.filter(expired_at__isnull=False)
    return queryset.order_by(*ORDERINGS["expected_profit"])


def hidden(user_id: int) -> QuerySet[HiddenOpportunity]:
    """What a bettor hid, the latest first, each with the largest edge it is active at now
    (``active_edge``, None when no strategy finds it now): one query."""
    best = (
        Opportunity.objects.active()
        .filter(selection=OuterRef("selection"), bookmaker=OuterRef("bookmaker"))
        .order_by("-edge")
        .values("edge")[:1]
    )
    return (
        HiddenOpportunity.objects.filter(user_id=user_id)
        .select_related("selection__event__sport", "bookmaker")
        .annotate(active_edge=Subquery(best))
        .order_by("-hidden_at", "-id")
    )


def top(n: int = 10) -> list[Opportunity]:
    """The ``n`` active opportunities with the most expected profit at the stake available."""
    return list(opportunities(active=True)[:n])


def active_surebets(limit: int = 50) -> list[Surebet]:
    surebets = list(Surebet.objects.active().select_related("event__sport").order_by("-locked_return")[:limit])
    from odds.models import Bookmaker

    names = dict(Bookmaker.objects.values_list("id", "title"))
    for surebet in surebets:
        for leg in surebet.legs:
            leg["bookmaker"] = names.get(leg["bookmaker_id"], str(leg["bookmaker_id"]))
    return surebets
