"""The bets API: list and create, read and edit; all writes go through bets.services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from bets import selectors, services
from bets.closing import clv_by_method
from bets.filters import BetFilter
from bets.models import Bet
from odds.models import Bookmaker
from web.api import Pagination, filter_parameters, filtered, paginated
from web.api_input import DateTimeField, PlainDecimalField, PlainIntegerField, StrictSerializer
from web.http import acting_user


class Conflict(APIException):
    status_code = 409
    default_detail = "conflict"


class BetOut(serializers.ModelSerializer[Bet]):
    event = serializers.IntegerField(source="event_id")
    event_name = serializers.CharField(source="event.__str__")
    sport = serializers.CharField(source="event.sport.key")
    commence_time = serializers.DateTimeField(source="event.commence_time")
    bookmaker = serializers.CharField(source="bookmaker.key")
    strategy = serializers.CharField(source="strategy_name")
    opportunity = serializers.IntegerField(source="opportunity_id", allow_null=True)
    closing_reference: serializers.SlugRelatedField[Bookmaker] = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    closing_age_minutes = serializers.SerializerMethodField()
    clv_by_method = serializers.SerializerMethodField()

    def get_closing_age_minutes(self, bet: Bet) -> float | None:
        """How long before kick-off the reference last quoted the closing price."""
        return None if bet.closing_age is None else bet.closing_age.total_seconds() / 60

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "nullable": True}})
    def get_clv_by_method(self, bet: Bet) -> dict[str, str | None]:
        """The CLV under each devig method (``clv`` is the one of ``closing_method``)."""
        return {method: None if clv is None else str(clv) for method, clv in clv_by_method(bet).items()}

    class Meta:
        model = Bet
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
            "price",
            "stake",
            "stake_requested",
            "allow_over_balance",
            "commission",
            "placed_at",
            "status",
            "profit",
            "settled_at",
            "settled_manually",
            "closing_price",
            "closing_fair_probability",
            "clv",
            "closing_note",
            "closing_reference",
            "closing_seen_at",
            "closing_age_minutes",
            "closing_point",
            "closing_method",
            "clv_by_method",
            "closing_provenance",
            "edge_at_placing",
            "strategy",
            "opportunity",
            "notes",
        ]


class BetIn(StrictSerializer):
    event = PlainIntegerField()
    market = serializers.CharField()
    outcome = serializers.CharField()
    point = PlainDecimalField(max_digits=7, decimal_places=2, required=False, allow_null=True)
    bookmaker = serializers.CharField()
    # Strings, so the service can tell "2.1234" (rejected) from 2.123 and name the field.
    price = serializers.CharField()
    stake = serializers.CharField()
    stake_requested = serializers.CharField(required=False, allow_null=True, default=None)
    placed_at = DateTimeField(required=False)
    strategy = serializers.CharField(required=False, allow_blank=True, default="")
    opportunity = PlainIntegerField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    allow_started = serializers.BooleanField(required=False, default=False)
    allow_over_balance = serializers.BooleanField(required=False, default=False)

    def to_input(self) -> services.BetInput:
        data = self.validated_data
        return services.BetInput(
            event_id=data["event"],
            market=data["market"],
            outcome=data["outcome"],
            point=data.get("point"),
            bookmaker=data["bookmaker"],
            price=data["price"],
            stake=data["stake"],
            stake_requested=data["stake_requested"],
            placed_at=data.get("placed_at"),
            strategy_name=data["strategy"],
            opportunity_id=data.get("opportunity"),
            notes=data["notes"],
        )


class BetEdit(StrictSerializer):
    price = serializers.CharField(required=False)
    stake = serializers.CharField(required=False)
    placed_at = DateTimeField(required=False)
    bookmaker = serializers.CharField(required=False)
    strategy = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    allow_settled = serializers.BooleanField(required=False, default=False)
    allow_over_balance = serializers.BooleanField(required=False, default=False)

    def unknown_field(self, name: str) -> str:
        if name in services.FIXED:
            return "cannot be changed; void the bet and enter a new one"
        return super().unknown_field(name)


API_NAMES = {"strategy_name": "strategy"}  # the service's name for a field: the API's


def _rejected(exc: services.BetRejected) -> serializers.ValidationError:
    return serializers.ValidationError({API_NAMES.get(name, name): errors for name, errors in exc.message_dict.items()})


@extend_schema(
    methods=["GET"],
    parameters=filter_parameters(BetFilter),
    responses=paginated(BetOut, "Bets"),
    operation_id="bets_list",
)
@extend_schema(methods=["POST"], request=BetIn, responses={201: BetOut}, operation_id="bets_create")
@api_view(["GET", "POST"])
def bets(request: Request) -> Response:
    """Bets, pending first; POST records one (the same validation as the form and the admin)."""
    if request.method == "POST":
        data = BetIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            bet = services.place_bet(
                bet=data.to_input(),
                user=acting_user(request),
                via="api",
                allow_started=data.validated_data["allow_started"],
                allow_over_balance=data.validated_data["allow_over_balance"],
            )
        except services.BetRejected as exc:
            raise _rejected(exc) from None
        return Response(BetOut(selectors.bets().get(pk=bet.pk)).data, status=status.HTTP_201_CREATED)
    filterset = BetFilter(request.query_params, queryset=selectors.bets())
    paginator = Pagination()
    page = paginator.paginate_queryset(filtered(filterset), request)
    return paginator.get_paginated_response(BetOut(page, many=True).data)


@extend_schema(methods=["GET"], responses=BetOut)
@extend_schema(methods=["PUT", "PATCH"], request=BetEdit, responses=BetOut)
@api_view(["GET", "PUT", "PATCH"])
def bet_detail(request: Request, bet_id: int) -> Response:
    bet = get_object_or_404(selectors.bets(), pk=bet_id)
    if request.method == "GET":
        return Response(BetOut(bet).data)
    data = BetEdit(data=request.data, partial=request.method == "PATCH")
    data.is_valid(raise_exception=True)
    changes = dict(data.validated_data)
    allow_settled = changes.pop("allow_settled", False)
    allow_over_balance = changes.pop("allow_over_balance", False)
    if "strategy" in changes:
        changes["strategy_name"] = changes.pop("strategy")
    try:
        services.update_bet(
            bet_id=bet.pk,
            changes=changes,
            user=acting_user(request),
            via="api",
            allow_settled=allow_settled,
            allow_over_balance=allow_over_balance,
        )
    except services.BetRejected as exc:
        raise _rejected(exc) from None
    except services.EditConflict as exc:
        raise Conflict(str(exc)) from None
    return Response(BetOut(selectors.bets().get(pk=bet.pk)).data)
