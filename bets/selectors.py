"""Reads over bets and the bankroll, shared by pages, API, stats and detection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower

from bets.models import Bet, BookmakerLimit, LedgerEntry
from odds.models import Bookmaker

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


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


@dataclass(frozen=True)
class BookBalance:
    """One bookmaker's account: what its ledger entries, its settled bets and its pending stakes
    make of the money held there."""

    bookmaker: Bookmaker
    ledger: Decimal  # deposits, withdrawals and adjustments at this book
    settled_profit: Decimal
    pending: Decimal  # stakes of pending bets here
    recorded: bool  # a ledger entry names this book: its balance is known, and bets are checked against it

    @property
    def balance(self) -> Decimal:
        return self.ledger + self.settled_profit - self.pending


def _per_book(rows: QuerySet[Any], column: str) -> Coalesce:
    """The sum of ``column`` over ``rows`` of the outer query's bookmaker, 0 when it has none."""
    total = rows.filter(bookmaker=OuterRef("pk")).order_by().values("bookmaker").annotate(total=Sum(column))
    return Coalesce(Subquery(total.values("total"), output_field=MONEY), Value(ZERO), output_field=MONEY)


def _balances(bookmaker_id: int | None = None) -> list[BookBalance]:
    books = Bookmaker.objects.filter(is_aggregate=False).annotate(
        ledger=_per_book(LedgerEntry.objects.all(), "amount"),
        settled_profit=_per_book(Bet.objects.settled(), "profit"),
        pending=_per_book(Bet.objects.pending(), "stake"),
        recorded=Exists(LedgerEntry.objects.filter(bookmaker=OuterRef("pk"))),
    )
    if bookmaker_id is None:
        books = books.filter(Q(recorded=True) | Exists(Bet.objects.filter(bookmaker=OuterRef("pk"))))
    else:
        books = books.filter(pk=bookmaker_id)
    books = books.order_by(Lower("title"), "key")
    return [BookBalance(b, b.ledger, b.settled_profit, b.pending, b.recorded) for b in books]


def balances() -> list[BookBalance]:
    """Each bookmaker's balance = its ledger + the settled profit of its bets − its pending stakes,
    for every book with a ledger entry or a bet, by name (whatever its case): one query, whatever their number. Ledger
    entries without a book are the general bankroll and count in ``bankroll()`` only."""
    return _balances()


def book_balance(bookmaker_id: int) -> BookBalance:
    """One book's balance, by the same rule: one query."""
    [found] = _balances(bookmaker_id)
    return found


def limits(bookmaker_id: int | None = None) -> QuerySet[BookmakerLimit]:
    """The limits books set, newest first, with their book and bet: one query."""
    queryset = BookmakerLimit.objects.select_related("bookmaker", "bet__event")
    return queryset if bookmaker_id is None else queryset.filter(bookmaker_id=bookmaker_id)


def bets(*, status: str | None = None) -> QuerySet[Bet]:
    """Bets with what their rows show, pending first, newest first: one query. The lists filter
    them with ``bets.filters.BetFilter``."""
    from django.db.models import Case, IntegerField, Value, When

    queryset = (
        Bet.objects.select_related("event__sport", "bookmaker", "closing_reference")
        .annotate(
            pending_first=Case(When(status=Bet.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("pending_first", "-placed_at", "-id")
    )
    return queryset.with_status(status) if status else queryset


def bets_on_event(event_id: int) -> QuerySet[Bet]:
    """An event's bets, settled or not, with their bookmakers, in the order placed: one query."""
    return Bet.objects.filter(event_id=event_id).select_related("bookmaker").order_by("placed_at", "id")


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


@dataclass(frozen=True)
class MethodClv:
    method: str
    fair_probability: Decimal | None  # of the bet's outcome at the close
    clv: Decimal | None
    headline: bool  # the bet's closing method: its CLV


@dataclass(frozen=True)
class BookClose:
    """One book's closing prices on a line, as the bet's provenance keeps them."""

    bookmaker: str
    used: bool
    fresh: bool
    age_minutes: float
    quotes: list[tuple[str, Decimal, datetime, datetime]]  # outcome, price, observed at, last seen at


@dataclass(frozen=True)
class Closing:
    """What a bet's page shows of its close: the CLV under each method, the books the fair price came
    from, and, for a line the reference moved, its close on the other line (never the CLV)."""

    by_method: list[MethodClv]
    basis: str
    max_age_minutes: int | None
    age_minutes: float | None  # how long before kick-off the fair price was last quoted
    books: list[BookClose]
    moved_point: Decimal | None
    moved_books: list[BookClose]
    moved_fair: list[tuple[str, Decimal]]  # method, fair probability of the bet's outcome there
    fair_price: Decimal | None  # the fair close CLV is taken against: 1 / the closing fair probability


def _book_closes(books: list[dict[str, Any]]) -> list[BookClose]:
    return [
        BookClose(
            book["bookmaker"],
            book["used"],
            book["fresh"],
            book["age_minutes"],
            [
                (
                    outcome,
                    Decimal(price),
                    datetime.fromisoformat(book["observed_at"][outcome]),
                    datetime.fromisoformat(book["seen_at"][outcome]),
                )
                for outcome, price in sorted(book["prices"].items())  # stored as jsonb: keys in its own order
            ],
        )
        for book in books
    ]


def closing(bet: Bet) -> Closing:
    """A bet's closing line as its page shows it, from the bet alone: no query."""
    from bets.closing import CLV_FIELDS, clv_by_method

    provenance = bet.closing_provenance or {}
    fair = provenance.get("fair", {})
    rows = [
        MethodClv(
            method,
            Decimal(fair[method][bet.outcome]) if bet.outcome in fair.get(method, {}) else None,
            clv,
            method == bet.closing_method,
        )
        for method, clv in clv_by_method(bet).items()
    ]
    moved = provenance.get("moved_to") or {}
    return Closing(
        rows,
        provenance.get("basis", ""),
        provenance.get("max_age_minutes"),
        None if bet.closing_age is None else bet.closing_age.total_seconds() / 60,
        _book_closes(provenance.get("books", [])),
        Decimal(moved["point"]) if moved.get("point") is not None else None,
        _book_closes(moved.get("books", [])),
        [(m, Decimal(p[bet.outcome])) for m in CLV_FIELDS if bet.outcome in (p := moved.get("fair", {}).get(m, {}))],
        _fair_price(bet.closing_fair_probability),
    )


def _fair_price(probability: Decimal | None) -> Decimal | None:
    if not probability:  # no close, or a probability of 0: no finite fair price
        return None
    return (1 / probability).quantize(Decimal("0.001"), ROUND_HALF_UP)
