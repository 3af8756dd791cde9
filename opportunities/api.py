"""The opportunities API: the list with filters, and the top N by edge."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from opportunities import selectors
from opportunities.filters import OpportunityFilter
from opportunities.models import Opportunity
from web.api import Pagination, filter_parameters, filtered, paginated


class OpportunityOut(serializers.ModelSerializer[Opportunity]):
    event = serializers.IntegerField(source="event_id")
    event_name = serializers.CharField(source="event.__str__")
    sport = serializers.CharField(source="event.sport.key")
    commence_time = serializers.DateTimeField(source="event.commence_time")
    bookmaker = serializers.CharField(source="bookmaker.key")
    bookmaker_title = serializers.CharField(source="bookmaker.title")
    strategy = serializers.CharField(source="strategy.name")
    active = serializers.BooleanField(source="is_active")
    already_staked = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="what pending bets stake on this selection"
    )
    net_price = serializers.DecimalField(
        max_digits=8,
        decimal_places=3,
        read_only=True,
        help_text="the price net of the bookmaker's commission, 1 + (price - 1)(1 - commission): what edge is of",
    )
    remaining_stake = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text=(
            "the stake available: suggested_stake less already_staked, capped at the book's max_stake and"
            " book_balance, never below 0 (not rounded to anyone's stake rounding)"
        ),
    )
    max_stake = serializers.DecimalField(
        source="bookmaker.max_stake",
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="the largest stake the book accepts (its latest limit), null when none is known",
    )
    book_balance = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="what the book holds (never below 0), null when no balance is recorded there",
    )
    expected_profit = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text="edge × remaining_stake: the default ranking"
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "event",
            "event_name",
            "sport",
            "commence_time",
            "market",
            "outcome",
            "point",
            "bookmaker",
            "bookmaker_title",
            "price",
            "net_price",
            "fair_probability",
            "fair_price",
            "edge",
            "kelly_share",
            "suggested_stake",
            "already_staked",
            "remaining_stake",
            "max_stake",
            "book_balance",
            "expected_profit",
            "strategy",
            "price_observed_at",
            "detected_at",
            "last_seen_at",
            "expired_at",
            "active",
        ]
        extra_kwargs = {
            "edge": {"help_text": "expected return per unit staked, as a fraction: 0.03 = 3%"},
            "kelly_share": {"help_text": "the suggested stake as a fraction of bankroll"},
        }


@extend_schema(
    parameters=filter_parameters(OpportunityFilter),
    responses=paginated(OpportunityOut, "Opportunities"),
    operation_id="opportunities_list",
)
@api_view(["GET"])
def opportunities(request: Request) -> Response:
    """Opportunities (active by default), by expected profit at the stake available (the default),
    by edge or by time, filtered and paginated. Edges are
    fractions (0.03 = 3%): ``min_edge`` takes a fraction, ``min_edge_pct`` a percentage. Prices are
    decimal odds. Opportunities a user hid on the page are listed here too."""
    filterset = OpportunityFilter(request.query_params, queryset=selectors.opportunities(active=None))
    paginator = Pagination()
    page = paginator.paginate_queryset(filtered(filterset), request)
    return paginator.get_paginated_response(OpportunityOut(page, many=True).data)


@extend_schema(
    parameters=[OpenApiParameter("n", int, description="how many (1-100, default 10)")],
    responses=OpportunityOut(many=True),
)
@api_view(["GET"])
def top(request: Request) -> Response:
    """The N active opportunities with the most expected profit at the stake available."""
    try:
        n = int(request.query_params.get("n", 10))
    except ValueError:
        raise serializers.ValidationError({"n": ["must be a whole number"]}) from None
    if not 1 <= n <= 100:
        raise serializers.ValidationError({"n": ["must be between 1 and 100"]})
    return Response(OpportunityOut(selectors.top(n), many=True).data)
