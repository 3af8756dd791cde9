"""The stats API: the same selectors as the pages, so both always agree."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from bets.models import LedgerEntry
from stats import selectors


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
