"""Read-only statistics over bets and the ledger, and the stored calibrations, shared by the pages and the API.

Definitions (used everywhere, docs/commands.md "Statistics"):
- yield = settled profit / settled stake (void bets excluded);
- ROI = settled profit / total deposited (deposits minus withdrawals, at least the first deposit);
- hit rate = (won + half of half-won) / settled bets that could win (void and push excluded);
- CLV averages: plain and stake-weighted, over bets with a closing line; by devig method, over the
  bets with a CLV under that method;
- the verdict (``stats.formulas.verdict``): the CLV's t-test over the bets with a valid CLV and a
  bootstrap interval of the yield over the settled bets, in the order of their ids.
Each function runs a fixed number of queries, whatever the number of bets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from bets.models import Bet, LedgerEntry
from bets.selectors import ZERO, bankroll
from stats import formulas
from stats.models import Calibration

if TYPE_CHECKING:
    from stats.filters import CalibrationFilter

SETTLED = ~Q(status__in=[Bet.PENDING, Bet.VOID])
MONEY = DecimalField(max_digits=14, decimal_places=2)
PERIODS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
PRICE_BANDS = [
    (Decimal("1.0"), Decimal("1.5"), "1.00–1.50"),
    (Decimal("1.5"), Decimal("2.0"), "1.50–2.00"),
    (Decimal("2.0"), Decimal("3.0"), "2.00–3.00"),
    (Decimal("3.0"), Decimal("5.0"), "3.00–5.00"),
    (Decimal("5.0"), None, "5.00+"),
]
EDGE_BANDS = [
    (None, Decimal("0"), "below 0%"),
    (Decimal("0"), Decimal("0.02"), "0–2%"),
    (Decimal("0.02"), Decimal("0.05"), "2–5%"),
    (Decimal("0.05"), Decimal("0.10"), "5–10%"),
    (Decimal("0.10"), None, "10%+"),
]


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.00001"))


@dataclass(frozen=True)
class Summary:
    bets: int
    pending: int
    settled: int
    won: int
    lost: int
    staked: Decimal  # settled, non-void stake
    profit: Decimal
    deposited: Decimal
    yield_: Decimal | None
    roi: Decimal | None
    hit_rate: Decimal | None
    average_clv: Decimal | None
    weighted_clv: Decimal | None
    clv_bets: int
    expected_profit_edge: Decimal
    expected_profit_clv: Decimal


def summary(bets: QuerySet[Bet] | None = None) -> Summary:
    """Counts, profit, yield, ROI, hit rate and CLV of a set of bets (all by default): two queries."""
    bets = Bet.objects.all() if bets is None else bets
    row = bets.order_by().aggregate(
        bets=Count("id"),
        pending=Count("id", filter=Q(status=Bet.PENDING)),
        settled=Count("id", filter=SETTLED),
        won=Count("id", filter=Q(status=Bet.WON)),
        half_won=Count("id", filter=Q(status=Bet.HALF_WON)),
        lost=Count("id", filter=Q(status__in=[Bet.LOST, Bet.HALF_LOST])),
        decided=Count("id", filter=Q(status__in=[Bet.WON, Bet.LOST, Bet.HALF_WON, Bet.HALF_LOST])),
        staked=Coalesce(Sum("stake", filter=SETTLED), ZERO),
        profit=Coalesce(Sum("profit", filter=SETTLED), ZERO),
        mean_clv=Avg("clv"),
        clv_bets=Count("id", filter=Q(clv__isnull=False)),
        clv_stake=Coalesce(Sum("stake", filter=Q(clv__isnull=False)), ZERO),
        clv_weighted=Sum(ExpressionWrapper(F("clv") * F("stake"), output_field=MONEY)),
        expected_edge=Coalesce(
            Sum(ExpressionWrapper(F("edge_at_placing") * F("stake"), output_field=MONEY), filter=SETTLED), ZERO
        ),
        expected_clv=Coalesce(Sum(ExpressionWrapper(F("clv") * F("stake"), output_field=MONEY), filter=SETTLED), ZERO),
    )
    deposited = LedgerEntry.objects.filter(kind__in=[LedgerEntry.DEPOSIT, LedgerEntry.WITHDRAWAL]).aggregate(
        total=Coalesce(Sum("amount"), ZERO)
    )["total"]
    hits = Decimal(row["won"]) + Decimal(row["half_won"]) / 2
    return Summary(
        bets=row["bets"],
        pending=row["pending"],
        settled=row["settled"],
        won=row["won"],
        lost=row["lost"],
        staked=row["staked"],
        profit=row["profit"],
        deposited=deposited,
        yield_=_ratio(row["profit"], row["staked"]),
        roi=_ratio(row["profit"], deposited) if deposited > 0 else None,
        hit_rate=_ratio(hits, Decimal(row["decided"])),
        average_clv=_q(row["mean_clv"]),
        weighted_clv=_ratio(row["clv_weighted"], row["clv_stake"]),
        clv_bets=row["clv_bets"],
        expected_profit_edge=Decimal(row["expected_edge"]).quantize(Decimal("0.01")),
        expected_profit_clv=Decimal(row["expected_clv"]).quantize(Decimal("0.01")),
    )


def _q(value: Decimal | float | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.00001"))


@dataclass(frozen=True)
class BankrollChange:
    now: Decimal
    exposure: Decimal
    available: Decimal
    change_7d: Decimal  # every move: settled profit, deposits, withdrawals, adjustments
    change_30d: Decimal
    betting_7d: Decimal  # what betting made: settled profit and adjustments, not money paid in or out
    betting_30d: Decimal


def bankroll_change(now: datetime | None = None) -> BankrollChange:
    """Bankroll now and its change over 7 and 30 days, in all and from betting alone: three queries."""
    now = now or timezone.now()
    money = bankroll()
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    adjustment = Q(kind=LedgerEntry.ADJUSTMENT)
    ledger = LedgerEntry.objects.aggregate(
        week=Coalesce(Sum("amount", filter=Q(at__gt=week)), ZERO),
        month=Coalesce(Sum("amount", filter=Q(at__gt=month)), ZERO),
        week_adjusted=Coalesce(Sum("amount", filter=adjustment & Q(at__gt=week)), ZERO),
        month_adjusted=Coalesce(Sum("amount", filter=adjustment & Q(at__gt=month)), ZERO),
    )
    profit = Bet.objects.aggregate(
        week=Coalesce(Sum("profit", filter=SETTLED & Q(settled_at__gt=week)), ZERO),
        month=Coalesce(Sum("profit", filter=SETTLED & Q(settled_at__gt=month)), ZERO),
    )
    return BankrollChange(
        money.now,
        money.exposure,
        money.available,
        change_7d=ledger["week"] + profit["week"],
        change_30d=ledger["month"] + profit["month"],
        betting_7d=ledger["week_adjusted"] + profit["week"],
        betting_30d=ledger["month_adjusted"] + profit["month"],
    )


MOVES = """
SELECT at, amount FROM bets_ledgerentry
UNION ALL
SELECT settled_at, profit FROM bets_bet
WHERE status NOT IN ('pending', 'void') AND settled_at IS NOT NULL AND profit IS NOT NULL
"""


def bankroll_series() -> list[tuple[datetime, Decimal]]:
    """The bankroll after the last move (deposit, withdrawal or settled bet) of each day: one query, at
    most one point a day, so the chart stays light however many bets there are."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT last_move, sum(total) OVER (ORDER BY last_move) FROM (
                SELECT max(at) AS last_move, sum(amount) AS total
                FROM ({MOVES}) moves GROUP BY date_trunc('day', at)
            ) daily ORDER BY last_move
        """)
        return list(cursor.fetchall())


@dataclass(frozen=True)
class Risk:
    max_drawdown: Decimal
    max_drawdown_share: Decimal
    longest_losing_run: int
    z: float | None
    p_value: float | None


# The moves in time order, then the settled bets in settlement order: what the risk formulas read.
RISK = f"""
SELECT 0 AS part, at, 0 AS id, amount, NULL::boolean, NULL::numeric, NULL::numeric FROM ({MOVES}) moves
UNION ALL
SELECT 1, settled_at, id, coalesce(profit, 0), status IN ('lost', 'half_lost'), price, stake
FROM bets_bet WHERE status NOT IN ('pending', 'void')
ORDER BY part, at, id
"""


def risk() -> Risk:
    """Maximum drawdown of the bankroll, the longest run of losing bets, and whether the profit is
    distinguishable from luck, by ``stats.formulas``: one query, whatever the number of bets."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RISK)
        rows = cursor.fetchall()
    balance, balances, bets = Decimal(0), [], []
    for part, _, _, amount, loss, price, stake in rows:
        if part == 0:
            balance += amount
            balances.append(float(balance))
        else:
            bets.append((loss, float(price), float(stake), float(amount)))
    drawdown = formulas.max_drawdown(balances)
    significance = formulas.significance((price, stake, profit) for _, price, stake, profit in bets)
    return Risk(
        Decimal(repr(drawdown.amount)).quantize(Decimal("0.01")),
        Decimal(repr(drawdown.share)).quantize(Decimal("0.0001")),
        formulas.longest_run(loss for loss, *_ in bets),
        significance.z,
        significance.p_value,
    )


# What the verdict reads: each bet with a CLV or settled, in id order (the bootstrap draws follow it).
VERDICT_BETS = Q(clv__isnull=False) | SETTLED


UNSETTLED = (Bet.PENDING, Bet.VOID)


def _verdict_of(rows: list[tuple[Any, ...]]) -> formulas.Verdict:
    clvs = [float(clv) for clv, *_ in rows if clv is not None]
    settled = [(float(stake), float(profit or 0)) for _, status, stake, profit in rows if status not in UNSETTLED]
    return formulas.Verdict(formulas.clv_significance(clvs), _yield_interval(settled))


def _yield_interval(settled: list[tuple[float, float]]) -> tuple[float, float] | None:
    """``formulas.yield_interval``, kept in the cache under a digest of the bets it reads: the same
    bets give the same interval, and a thousand resamples of thousands of bets take a second."""
    import hashlib

    from django.core.cache import cache

    digest = hashlib.sha256(repr((formulas.BOOTSTRAP_RESAMPLES, formulas.BOOTSTRAP_SEED, settled)).encode())
    key = f"stats:yield-interval:{YIELD_INTERVAL_VERSION}:{digest.hexdigest()}"
    found = cache.get(key, MISSING)
    if found is MISSING:
        found = formulas.yield_interval(settled)
        cache.set(key, found, timeout=YIELD_INTERVAL_SECONDS)
    interval: tuple[float, float] | None = found  # what yield_interval answered, then or before
    return interval


MISSING = object()
YIELD_INTERVAL_SECONDS = 7 * 86400
YIELD_INTERVAL_VERSION = 2  # change it with the computation: an interval cached before must not be read


def verdict(bets: QuerySet[Bet] | None = None) -> formulas.Verdict:
    """Skill or luck, for a set of bets (all by default): one query."""
    bets = Bet.objects.all() if bets is None else bets
    rows = bets.filter(VERDICT_BETS).order_by("id").values_list("clv", "status", "stake", "profit")
    return _verdict_of(list(rows))


def strategy_verdicts() -> dict[str, formulas.Verdict]:
    """Skill or luck per strategy, by the name the strategy breakdown shows: one query."""
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    rows = (
        Bet.objects.filter(VERDICT_BETS).order_by("id").values_list("strategy_name", "clv", "status", "stake", "profit")
    )
    for name, *row in rows:
        grouped.setdefault(name or NO_KEY, []).append(tuple(row))
    return {name: _verdict_of(found) for name, found in grouped.items()}


def profit_series(period: str = "week") -> list[dict[str, Any]]:
    """Profit, stake and yield per day, week or month of settlement: one query."""
    trunc = PERIODS[period]
    rows = (
        Bet.objects.filter(SETTLED, settled_at__isnull=False)
        .annotate(period=trunc("settled_at"))
        .values("period")
        .annotate(bets=Count("id"), staked=Sum("stake"), profit=Sum("profit"), mean_clv=Avg("clv"))
        .order_by("period")
    )
    cumulative = ZERO
    series = []
    for row in rows:
        cumulative += row["profit"]
        series.append(
            {
                "period": row["period"],
                "bets": row["bets"],
                "staked": row["staked"],
                "profit": row["profit"],
                "cumulative_profit": cumulative,
                "yield": _ratio(row["profit"], row["staked"]),
                "average_clv": _q(row["mean_clv"]),
            }
        )
    return series


def _band(field: str, bands: Sequence[tuple[Decimal | None, Decimal | None, str]]) -> Case:
    whens = []
    for low, high, label in bands:
        condition = Q()
        if low is not None:
            condition &= Q(**{f"{field}__gte": low})
        if high is not None:
            condition &= Q(**{f"{field}__lt": high})
        whens.append(When(condition, then=Value(label)))
    return Case(
        *whens, default=Value("no edge recorded" if field == "edge_at_placing" else "other"), output_field=CharField()
    )


DIMENSIONS = {
    "sport": F("event__sport__title"),
    "bookmaker": F("bookmaker__title"),
    "market": F("market"),
    "strategy": F("strategy_name"),
    "price_band": _band("price", PRICE_BANDS),
    "edge_band": _band("edge_at_placing", EDGE_BANDS),
}


NO_KEY = "(none)"
# Bands read in their own order, low to high (then what fits none); other dimensions by stake.
BANDS: dict[str, Sequence[tuple[Decimal | None, Decimal | None, str]]] = {
    "price_band": PRICE_BANDS,
    "edge_band": EDGE_BANDS,
}


def breakdown(dimension: str) -> list[dict[str, Any]]:
    """Count, stake, profit, yield and average CLV of settled bets by one dimension, the largest stake
    first, or bands in their order: one query."""
    rows = list(
        Bet.objects.filter(SETTLED)
        .annotate(key=DIMENSIONS[dimension])
        .values("key")
        .annotate(bets=Count("id"), staked=Sum("stake"), profit=Sum("profit"), mean_clv=Avg("clv"))
        .order_by("-staked", "key")
    )
    if dimension in BANDS:
        order = {label: index for index, (*_, label) in enumerate(BANDS[dimension])}
        rows.sort(key=lambda row: order.get(row["key"], len(order)))
    return [
        {
            "key": row["key"] or NO_KEY,
            "bets": row["bets"],
            "staked": row["staked"],
            "profit": row["profit"],
            "yield": _ratio(row["profit"], row["staked"]),
            "average_clv": _q(row["mean_clv"]),
        }
        for row in rows
    ]


def clv_distribution(width: Decimal = Decimal("0.02"), limit: Decimal = Decimal("0.10")) -> list[dict[str, Any]]:
    """How many bets fell in each CLV bucket of ``width``, from -limit to +limit: one query. Each
    bucket holds ``from`` <= CLV < ``to``; the ends are open, so the lowest has no ``from`` (None: every
    CLV below its ``to``) and the highest no ``to`` (every CLV from its ``from`` up)."""
    from django.db.models import IntegerField
    from django.db.models.functions import Floor, Greatest, Least

    buckets = int(limit / width)
    index = Least(Greatest(Floor(F("clv") / width), Value(-buckets)), Value(buckets - 1), output_field=IntegerField())
    counts = dict(
        Bet.objects.filter(clv__isnull=False)
        .annotate(bucket=index)
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    )
    return [
        {
            "from": None if i == -buckets else width * i,
            "to": None if i == buckets - 1 else width * (i + 1),
            "bets": counts.get(i, 0),
        }
        for i in range(-buckets, buckets)
    ]


def calibration(filterset: CalibrationFilter) -> Calibration | None:
    """The stored calibration a valid filter names (where it leaves a parameter out, the one with the
    most events): one query."""
    return filterset.qs.select_related("sport", "reference").order_by("-events", "pk").first()


def calibrations_beside(chosen: Calibration) -> list[Calibration]:
    """Every stored calibration of the chosen one's sport and reference, every line and moment: one query."""
    return list(
        Calibration.objects.filter(sport_id=chosen.sport_id, reference_id=chosen.reference_id)
        .select_related("sport", "reference")
        .order_by("market", "point", "at")
    )


def clv_by_method(bets: QuerySet[Bet] | None = None) -> list[dict[str, Any]]:
    """Each devig method's average CLV, plain and stake-weighted, over the bets with a valid close
    (all by default), and how many of them the method is the closing method of: one query."""
    from bets.closing import CLV_FIELDS

    bets = Bet.objects.all() if bets is None else bets
    columns: dict[str, Aggregate] = {}
    for method, name in CLV_FIELDS.items():
        valid = Q(**{f"{name}__isnull": False})
        columns[f"{method}_bets"] = Count("id", filter=valid)
        columns[f"{method}_mean"] = Avg(name)
        columns[f"{method}_stake"] = Sum("stake", filter=valid)
        columns[f"{method}_weighted"] = Sum(ExpressionWrapper(F(name) * F("stake"), output_field=MONEY))
        columns[f"{method}_headline"] = Count("id", filter=valid & Q(closing_method=method))
    row = bets.order_by().aggregate(**columns)
    return [
        {
            "method": method,
            "bets": row[f"{method}_bets"],
            "average_clv": _q(row[f"{method}_mean"]),
            "weighted_clv": _ratio(row[f"{method}_weighted"], row[f"{method}_stake"]),
            "closing_method_of": row[f"{method}_headline"],
        }
        for method in CLV_FIELDS
    ]
