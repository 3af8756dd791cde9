"""The backtests API: start a run, list them, read one (its progress, then its figures), its bets as CSV.

Every write goes through ``backtest_runs.start_backtest``, as the page's form does."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import renderers, serializers, status
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.request import Request
from rest_framework.response import Response

from bets.views import spreadsheet_safe
from opportunities import backtest_runs
from opportunities.backtest_grid import AXES
from opportunities.backtest_runs import ADJUSTABLE, FLAT, KELLY, LEAD, OPENING, BacktestRejected, RunRequest
from opportunities.models import BacktestBet, BacktestRun
from opportunities.pricing import METHODS
from opportunities.valuation import BEST
from web.api import Pagination, paginated
from web.api_input import PlainDecimalField, StrictSerializer
from web.http import acting_user


class BacktestIn(StrictSerializer):
    strategy = serializers.CharField(max_length=64, help_text="a saved strategy's id or name")
    sport = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True, help_text="included")
    bet_at = serializers.ChoiceField(
        [LEAD, OPENING], default=LEAD, help_text="lead: lead_hours before kick-off; opening: each line's opening"
    )
    lead_hours = PlainDecimalField(max_digits=7, decimal_places=2, default=Decimal(24))
    staking = serializers.ChoiceField([FLAT, KELLY], required=False, allow_null=True)
    kelly_fraction = PlainDecimalField(
        max_digits=4, decimal_places=3, required=False, allow_null=True, help_text="default: the strategy's"
    )
    bankroll = PlainDecimalField(max_digits=14, decimal_places=2, default=Decimal(1000))
    flat_stake = PlainDecimalField(max_digits=12, decimal_places=2, default=Decimal(1))
    min_edge = PlainDecimalField(max_digits=6, decimal_places=4, required=False, allow_null=True)
    method = serializers.ChoiceField([*METHODS, BEST], required=False, allow_null=True)
    min_price = PlainDecimalField(max_digits=8, decimal_places=3, required=False, allow_null=True)
    max_price = PlainDecimalField(max_digits=8, decimal_places=3, required=False, allow_null=True)
    markets = serializers.ListField(child=serializers.CharField(max_length=16), required=False, allow_null=True)
    max_stake_share = PlainDecimalField(max_digits=4, decimal_places=3, required=False, allow_null=True)
    grid = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), max_length=50),
        required=False,
        allow_null=True,
        help_text=f"axes ({', '.join(AXES)}) to lists of values tried, e.g. "
        '{"min_edge": [0.01, 0.02, 0.03], "kelly_fraction": [0.25, 0.5]}',
    )

    def to_request(self) -> RunRequest:
        data = self.validated_data

        def number(name: str) -> float | None:
            return None if data.get(name) is None else float(data[name])

        return RunRequest(
            strategy=data["strategy"],
            sport=data.get("sport") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            bet_at=data["bet_at"],
            lead_hours=float(data["lead_hours"]),
            staking=data.get("staking"),
            kelly_fraction=number("kelly_fraction"),
            bankroll=float(data["bankroll"]),
            flat_stake=float(data["flat_stake"]),
            rules={name: data[name] for name in ADJUSTABLE if data.get(name) is not None},
            grid=data.get("grid") or None,
        )


class StartedOut(serializers.Serializer[BacktestRun]):
    id = serializers.IntegerField()
    status = serializers.CharField()


class RunOut(serializers.ModelSerializer[BacktestRun]):
    strategy = serializers.IntegerField(source="strategy_id", allow_null=True)
    bets_csv = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    def get_bets_csv(self, run: BacktestRun) -> str:
        """Where its bets are, as CSV (once finished)."""
        path = reverse("api:backtest-bets", args=[run.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_summary(self, run: BacktestRun) -> dict[str, Any] | None:
        """bets, won, lost, staked, profit, yield, average_clv, clv_bets, max_drawdown (and its share
        of the peak), final_bankroll, the CLV's and the profit's p-values, longest_losing_run and
        ``verdict`` (clv_mean, clv_sd, clv_t, clv_p_value, clv_ci95, bets_needed, yield_ci95,
        resamples, sentence); null until finished. Ratios as fractions (0.03 = 3%)."""
        return run.summary

    class Meta:
        model = BacktestRun
        fields = [
            "id",
            "status",
            "progress",
            "error",
            "strategy",
            "strategy_name",
            "parameters",
            "created_at",
            "started_at",
            "finished_at",
            "summary",
            "bets_csv",
        ]


class RunDetailOut(RunOut):
    curve = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"at": {"type": "string", "format": "date-time"}, "bankroll": {"type": "number"}},
            },
        }
    )
    def get_curve(self, run: BacktestRun) -> list[dict[str, Any]]:
        """The bankroll at the first bet, then after each result in the order results were known."""
        return [{"at": at, "bankroll": bankroll} for at, bankroll in run.curve]

    class Meta(RunOut.Meta):
        fields = [*RunOut.Meta.fields, "rules", "curve", "breakdowns", "grid"]


@extend_schema(methods=["GET"], responses=paginated(RunOut, "Backtests"), operation_id="backtests_list")
@extend_schema(
    methods=["POST"],
    request=BacktestIn,
    responses={201: StartedOut},
    operation_id="backtests_create",
    description="Start a backtest of a saved strategy (by id or name); every other field has the "
    "command's default. `min_edge`, `method`, `min_price`, `max_price`, `markets` and "
    "`max_stake_share` adjust the strategy's rules for this run; `grid` tries every combination of "
    "its axes. The run is queued for a worker: read its progress and figures at /api/backtests/{id}/.",
)
@api_view(["GET", "POST"])
def backtests(request: Request) -> Response:
    """Saved runs, newest first; POST starts one."""
    if request.method == "POST":
        data = BacktestIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = backtest_runs.start_backtest(request=data.to_request(), user=acting_user(request))
        except BacktestRejected as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return Response(StartedOut(run).data, status=status.HTTP_201_CREATED)
    paginator = Pagination()
    page = paginator.paginate_queryset(BacktestRun.objects.all(), request)
    return paginator.get_paginated_response(RunOut(page, many=True, context={"request": request}).data)


@extend_schema(responses=RunDetailOut)
@api_view(["GET"])
def backtest_detail(request: Request, run_id: int) -> Response:
    """One run: its parameters and the rules it replays, its status and progress, then its summary,
    bankroll curve, breakdowns (by league, bookmaker, market, price band, edge band), a grid's cells,
    and where its bets are as CSV."""
    run = get_object_or_404(BacktestRun, pk=run_id)
    return Response(RunDetailOut(run, context={"request": request}).data)


class CsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        """An error's detail, as a line of text (the bets themselves stream past the renderer)."""
        detail = data.get("detail", "") if isinstance(data, dict) else data
        return str(detail).encode()


HEADER = [
    "sequence",
    "placed_at",
    "league",
    "event",
    "commence_time",
    "market",
    "outcome",
    "point",
    "bookmaker",
    "price",
    "net_price",
    "fair_probability",
    "edge",
    "stake",
    "status",
    "profit",
    "clv",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
@api_view(["GET"])
@renderer_classes([CsvRenderer])
def backtest_bets(request: Request, run_id: int) -> StreamingHttpResponse:
    """A run's bets as CSV, in the run's order (empty until it finished)."""
    run = get_object_or_404(BacktestRun, pk=run_id)
    bets = BacktestBet.objects.filter(run=run).select_related("event__sport", "bookmaker").order_by("sequence")
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(HEADER)
        for bet in bets.iterator(chunk_size=2000):
            yield writer.writerow(
                spreadsheet_safe(cell)
                for cell in [
                    bet.sequence,
                    bet.placed_at.isoformat(),
                    bet.event.sport.title,
                    str(bet.event),
                    bet.event.commence_time.isoformat(),
                    bet.market,
                    bet.outcome,
                    bet.point,
                    bet.bookmaker.key,
                    bet.price,
                    bet.net_price,
                    bet.fair_probability,
                    bet.edge,
                    bet.stake,
                    bet.status,
                    bet.profit,
                    "" if bet.clv is None else bet.clv,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monps-backtest-{run.pk}.csv"'
    return response
