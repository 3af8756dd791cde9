"""The stats API: the same selectors as the pages, so both always agree."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from bets.models import LedgerEntry
from odds.models import MARKETS
from opportunities.pricing import METHODS
from stats import bookmakers, formulas, selectors
from stats.filters import CalibrationFilter
from stats.forms import DAY_OR_TIME, BookmakerStatsForm
from stats.models import MOMENTS, Calibration
from stats.verdict import strategy_subject, verdict_sentence
from web.api import filter_parameters, filtered


def _plain(value: object) -> object:
    from datetime import datetime
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return serializers.DateTimeField().to_representation(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def verdict_fields(verdict: formulas.Verdict, subject: str = "Your average CLV") -> dict[str, Any]:
    """Skill or luck as the API answers it: the CLV's t, one-sided p-value and 95% interval over the
    bets with a valid CLV, the yield's 95% bootstrap interval (and its resamples), the bets still
    needed for a significant CLV, and the verdict in a sentence. Floats at full precision."""
    clv = verdict.clv
    return {
        "clv_bets": clv.bets,
        "clv_t": clv.t,
        "clv_p_value": clv.p_value,
        "clv_ci95": list(clv.ci95) if clv.ci95 else None,
        "yield_ci95": list(verdict.yield_ci95) if verdict.yield_ci95 else None,
        "yield_resamples": verdict.resamples,
        "bets_needed": clv.bets_needed,
        "verdict": verdict_sentence(clv, subject=subject),
    }


VERDICT_DOC = (
    " Skill or luck: `clv_t`, `clv_p_value` (one-sided, Student's t with n − 1 degrees of freedom) and"
    " `clv_ci95` ([low, high]: mean ± t₀.₉₇₅,ₙ₋₁ · s/√n) over the `clv_bets` bets with a valid CLV;"
    f" `yield_ci95`, a 95% percentile bootstrap interval of the yield ({formulas.BOOTSTRAP_RESAMPLES:,}"
    " resamples, seeded: the same bets give the same interval); `bets_needed`, the further bets for the CLV"
    " to be significant at 5% at the current mean and spread (⌈(1.645 · s / mean)²⌉ − bets so far, at least"
    " 0; null unless the mean is positive); `verdict`, the same in one sentence."
)


@extend_schema(responses={200: dict}, description=f"Counts, profit, yield, ROI, hit rate, CLV, drawdown.{VERDICT_DOC}")
@api_view(["GET"])
def global_stats(request: Request) -> Response:
    """Counts, profit, yield, ROI, hit rate, CLV (plain and stake-weighted), drawdown, significance of
    the profit and the skill-or-luck verdict."""
    summary = asdict(selectors.summary())
    summary["yield"] = summary.pop("yield_")
    return Response(_plain({**summary, **asdict(selectors.risk()), **verdict_fields(selectors.verdict())}))


@extend_schema(responses={200: dict})
@api_view(["GET"])
def bankroll(request: Request) -> Response:
    """Bankroll now, exposure, available, its change over 7 and 30 days in all (``change_*``) and from
    betting alone (``betting_*``: no deposits or withdrawals), each bookmaker's balance
    (``balances``: ``balance`` is null where none is recorded) and the latest ledger entries (with
    their bookmaker's key, null for the general bankroll)."""
    from bets.selectors import balances

    money = selectors.bankroll_change()
    accounts = [
        {
            "bookmaker": a.bookmaker.key,
            "ledger": a.ledger,
            "settled_profit": a.settled_profit,
            "pending": a.pending,
            "balance": a.balance if a.recorded else None,
            "max_stake": a.bookmaker.max_stake,
        }
        for a in balances()
    ]
    ledger = [
        {
            "id": e.pk,
            "kind": e.kind,
            "amount": e.amount,
            "bookmaker": e.bookmaker.key if e.bookmaker else None,
            "at": e.at,
            "note": e.note,
        }
        for e in LedgerEntry.objects.select_related("bookmaker")[:100]
    ]
    return Response(_plain({**asdict(money), "balances": accounts, "ledger": ledger}))


@extend_schema(
    parameters=[OpenApiParameter("period", enum=list(selectors.PERIODS), required=False)],
    responses={200: dict},
    description="Profit per period, the CLV distribution and breakdowns; each strategy's row also has the"
    f" skill-or-luck figures.{VERDICT_DOC}",
)
@api_view(["GET"])
def performance(request: Request) -> Response:
    """Profit per period, the CLV distribution and breakdowns by sport, bookmaker, market, strategy and
    bands; each strategy's row with its verdict."""
    period = request.query_params.get("period", "week")
    if period not in selectors.PERIODS:
        raise serializers.ValidationError({"period": [f"use one of {', '.join(selectors.PERIODS)}"]})
    return Response(
        _plain(
            {
                "period": period,
                "series": selectors.profit_series(period),
                "clv_distribution": selectors.clv_distribution(),
                "breakdowns": {name: _breakdown(name) for name in selectors.DIMENSIONS},
            }
        )
    )


class IntervalsOut(serializers.Serializer[Any]):
    log_loss = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    brier = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    rps = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True)


class MethodScoreOut(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=METHODS)
    n = serializers.IntegerField(help_text="events scored, the same for every method")
    log_loss = serializers.FloatField(help_text="mean over events of -ln p(the outcome that happened)")
    brier = serializers.FloatField(help_text="mean over events of the sum over outcomes of (p - o)^2")
    rps = serializers.FloatField(
        allow_null=True, help_text="three-way markets (home, draw, away): ranked probability score; null otherwise"
    )
    ci95 = IntervalsOut(help_text="95% percentile bootstrap intervals, resampling events")


class CalibrationOut(serializers.Serializer[Any]):
    sport = serializers.CharField(source="sport.key")
    market = serializers.CharField()
    reference = serializers.CharField(source="reference.key")
    at = serializers.ChoiceField(choices=MOMENTS)
    results = MethodScoreOut(many=True)
    best = serializers.ChoiceField(choices=METHODS, help_text="the lowest log loss")


@extend_schema(
    parameters=filter_parameters(CalibrationFilter),
    responses={200: CalibrationOut, 400: dict, 404: dict},
    operation_id="stats_calibration",
)
@api_view(["GET"])
def calibration(request: Request) -> Response:
    """Each devig method's log loss, Brier score and ranked probability score (three-way markets) on
    stored events with results, devigging one reference's prices at the opening or the closing, with
    95% bootstrap intervals and the best method: as ``manage.py calibrate`` last stored them."""
    filterset = CalibrationFilter(request.query_params, queryset=Calibration.objects.all())
    filtered(filterset)  # a 400 naming each parameter it cannot read
    found = selectors.calibration(filterset)
    if found is None:
        raise NotFound("no calibration stored for these parameters: run manage.py calibrate")
    return Response(CalibrationOut(found).data)


def _breakdown(dimension: str) -> list[dict[str, Any]]:
    rows = selectors.breakdown(dimension)
    if dimension == "strategy":
        verdicts = selectors.strategy_verdicts()
        rows = [
            {**row, **verdict_fields(verdicts.get(row["key"], NO_VERDICT), strategy_subject(row["key"]))}
            for row in rows
        ]
    return rows


NO_VERDICT = formulas.verdict([], [])


class ReferenceOut(serializers.Serializer[Any]):
    basis = serializers.ChoiceField(choices=["reference", "consensus"])
    bookmaker = serializers.CharField(allow_null=True, help_text="the reference book's key; null: the consensus")
    bookmaker_title = serializers.CharField(allow_null=True)
    method = serializers.CharField(help_text="the devig method")
    min_books = serializers.IntegerField(allow_null=True, help_text="the consensus's fewest complete books")
    strategy = serializers.CharField(allow_null=True, help_text="whose rules these are; null: no strategy")
    sharp = serializers.CharField(allow_null=True, help_text="the book whose moves are followed; null: none")
    sharp_title = serializers.CharField(allow_null=True)
    label = serializers.CharField(help_text="the same in a sentence")  # type: ignore[assignment]  # DRF takes fields off the class


class MarginPointOut(serializers.Serializer[Any]):
    period = serializers.DateTimeField(help_text="the start of the day, week (Monday) or month of kick-off, UTC")
    markets = serializers.IntegerField()
    average_margin = serializers.FloatField()


class BookmakerOut(serializers.Serializer[Any]):
    bookmaker = serializers.CharField()
    bookmaker_title = serializers.CharField()
    market = serializers.CharField()
    complete_markets = serializers.IntegerField(help_text="lines where it quoted every outcome")
    average_margin = serializers.FloatField(allow_null=True, help_text="mean of Σ 1/price − 1 over them")
    quoted_outcomes = serializers.IntegerField(help_text="outcomes it quoted that another bookmaker quoted too")
    best_price_share = serializers.FloatField(allow_null=True, help_text="share of them at the highest price")
    priced_outcomes = serializers.IntegerField(help_text="its prices on lines the reference can price")
    average_edge = serializers.FloatField(allow_null=True, help_text="mean of price × fair probability − 1")
    sharp_moves = serializers.IntegerField(allow_null=True, help_text="the sharp book's moves it could follow")
    followed_moves = serializers.IntegerField(allow_null=True)
    followed_share = serializers.FloatField(allow_null=True)
    median_follow_seconds = serializers.FloatField(allow_null=True)
    margin_series = MarginPointOut(many=True)


BookmakersOut = inline_serializer(
    name="BookmakerComparison",
    fields={
        "at": serializers.ChoiceField(choices=[bookmakers.CLOSING, bookmakers.OPENING]),
        "market": serializers.CharField(allow_null=True),
        "from": serializers.DateTimeField(allow_null=True, help_text="the first kick-off read"),
        "to": serializers.DateTimeField(allow_null=True, help_text="the last kick-off read"),
        "events": serializers.IntegerField(),
        "bucket": serializers.ChoiceField(choices=[bookmakers.DAY, bookmakers.WEEK, bookmakers.MONTH]),
        "reference": ReferenceOut(),
        "follow_cap_seconds": serializers.FloatField(),
        "results": BookmakerOut(many=True),
    },
)


def comparison_fields(comparison: bookmakers.Comparison) -> dict[str, Any]:
    """The comparison as the API answers it: ratios and seconds as floats at full precision."""
    reference = comparison.reference
    return {
        "at": comparison.at,
        "market": comparison.market,
        "from": comparison.start,
        "to": comparison.end,
        "events": comparison.events,
        "bucket": comparison.bucket,
        "reference": {**asdict(reference), "label": reference.label},
        "follow_cap_seconds": comparison.follow_cap.total_seconds(),
        "results": [asdict(row) for row in comparison.rows],
    }


@extend_schema(
    parameters=[
        OpenApiParameter("market", enum=[m for m, _ in MARKETS], required=False, description="empty: every market"),
        OpenApiParameter("from", str, required=False, description=f"kick-off from {DAY_OR_TIME}; empty: all history"),
        OpenApiParameter("to", str, required=False, description=f"kick-off until {DAY_OR_TIME}; empty: now"),
        OpenApiParameter(
            "at",
            enum=[bookmakers.CLOSING, bookmakers.OPENING],
            required=False,
            description="prices at the close (default)",
        ),
        OpenApiParameter(
            "strategy", str, required=False, description="a strategy's id or name: its reference gives the fair price"
        ),
    ],
    responses=BookmakersOut,
)
@api_view(["GET"])
def bookmakers_stats(request: Request) -> Response:
    """Each bookmaker per market over the events that kicked off in the period: average margin,
    best-price share, average edge against the reference's fair price, how it follows the sharp
    book's moves (median delay), and its margin per day, week or month; the definitions are in
    ``stats/bookmakers.py`` and on ``/stats/bookmakers/``."""
    form = BookmakerStatsForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError({name: list(map(str, messages)) for name, messages in form.errors.items()})
    query = form.query
    comparison = bookmakers.compare(
        market=query.market, start=query.start, end=query.end, at=query.at, strategy=query.strategy
    )
    return Response(_plain(comparison_fields(comparison)))
