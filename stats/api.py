"""The stats API: the same selectors as the pages, so both always agree."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from bets.models import LedgerEntry
from opportunities.pricing import METHODS
from stats import selectors
from stats.filters import CalibrationFilter
from stats.models import MOMENTS, Calibration
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


@extend_schema(responses={200: dict})
@api_view(["GET"])
def global_stats(request: Request) -> Response:
    """Counts, profit, yield, ROI, hit rate, CLV (plain and stake-weighted), drawdown and significance."""
    summary = asdict(selectors.summary())
    summary["yield"] = summary.pop("yield_")
    return Response(_plain({**summary, **asdict(selectors.risk())}))


@extend_schema(responses={200: dict})
@api_view(["GET"])
def bankroll(request: Request) -> Response:
    """Bankroll now, exposure, available, its change over 7 and 30 days in all (``change_*``) and from
    betting alone (``betting_*``: no deposits or withdrawals), and the latest ledger entries."""
    money = selectors.bankroll_change()
    ledger = [
        {"id": e.pk, "kind": e.kind, "amount": e.amount, "at": e.at, "note": e.note}
        for e in LedgerEntry.objects.all()[:100]
    ]
    return Response(_plain({**asdict(money), "ledger": ledger}))


@extend_schema(
    parameters=[OpenApiParameter("period", enum=list(selectors.PERIODS), required=False)],
    responses={200: dict},
)
@api_view(["GET"])
def performance(request: Request) -> Response:
    """Profit per period, the CLV distribution and breakdowns by sport, bookmaker, market, strategy and bands."""
    period = request.query_params.get("period", "week")
    if period not in selectors.PERIODS:
        raise serializers.ValidationError({"period": [f"use one of {', '.join(selectors.PERIODS)}"]})
    return Response(
        _plain(
            {
                "period": period,
                "series": selectors.profit_series(period),
                "clv_distribution": selectors.clv_distribution(),
                "breakdowns": {name: selectors.breakdown(name) for name in selectors.DIMENSIONS},
            }
        )
    )


class IntervalsOut(serializers.Serializer):
    log_loss = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    brier = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
    rps = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, allow_null=True)


class MethodScoreOut(serializers.Serializer):
    method = serializers.ChoiceField(choices=METHODS)
    n = serializers.IntegerField(help_text="events scored, the same for every method")
    log_loss = serializers.FloatField(help_text="mean over events of -ln p(the outcome that happened)")
    brier = serializers.FloatField(help_text="mean over events of the sum over outcomes of (p - o)^2")
    rps = serializers.FloatField(
        allow_null=True, help_text="three-way markets (home, draw, away): ranked probability score; null otherwise"
    )
    ci95 = IntervalsOut(help_text="95% percentile bootstrap intervals, resampling events")


class CalibrationOut(serializers.Serializer):
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
