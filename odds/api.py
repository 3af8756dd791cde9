"""The odds API: matches with their best prices, line movement, and the collector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from kombu.exceptions import OperationalError as KombuOperationalError
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from odds import selectors
from odds.collector import collection_blocked, credits_left, decide, sports_to_collect
from odds.filters import MatchFilter
from odds.models import MARKETS, CollectorRun, Event, Sport
from odds.providers.odds_api import SPORT_KEY
from web.api import Pagination, filter_parameters, filtered, paginated


class BestPriceOut(serializers.Serializer[Any]):
    market = serializers.CharField()
    outcome = serializers.CharField()
    point = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    price = serializers.DecimalField(max_digits=8, decimal_places=3)
    bookmaker = serializers.CharField()
    bookmaker_title = serializers.CharField()
    observed_at = serializers.DateTimeField()


class MatchOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]  # DRF's metaclass takes fields off the class
    provider_id = serializers.CharField()
    sport = serializers.CharField(source="sport.key")
    sport_title = serializers.CharField(source="sport.title")
    home_team = serializers.CharField()
    away_team = serializers.CharField()
    commence_time = serializers.DateTimeField()
    completed = serializers.BooleanField()
    home_score = serializers.IntegerField(allow_null=True)
    away_score = serializers.IntegerField(allow_null=True)
    best_prices = BestPriceOut(many=True)


@extend_schema(
    parameters=filter_parameters(MatchFilter),
    responses=paginated(MatchOut, "Matches"),
    operation_id="odds_matches_list",
)
@api_view(["GET"])
def matches(request: Request) -> Response:
    """Events with the best current price of every outcome and the bookmaker offering it."""
    filterset = MatchFilter(request.query_params, queryset=selectors.events_for_matches())
    paginator = Pagination()
    page = paginator.paginate_queryset(filtered(filterset), request)
    market = filterset.form.cleaned_data["market"]
    best = selectors.best_prices([e.pk for e in page], [market] if market else None)
    for event in page:
        event.best_prices = best.get(event.pk, [])
    return paginator.get_paginated_response(MatchOut(page, many=True).data)


class SeriesOut(serializers.Serializer[Any]):
    bookmaker = serializers.CharField()
    bookmaker_title = serializers.CharField()
    market = serializers.CharField()
    outcome = serializers.CharField()
    point = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    opening_price = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    closing_price = serializers.DecimalField(max_digits=8, decimal_places=3, allow_null=True)
    points = serializers.SerializerMethodField()

    def get_points(self, series: selectors.Series) -> list[dict[str, str]]:
        return [
            {"observed_at": serializers.DateTimeField().to_representation(at), "price": f"{price:.3f}"}
            for at, price in series.points
        ]


class HistoryOut(serializers.Serializer[Any]):
    event = MatchOut()
    series = SeriesOut(many=True)


@extend_schema(
    parameters=[
        OpenApiParameter("market", enum=[m for m, _ in MARKETS], required=False),
        OpenApiParameter(
            "bucket",
            int,
            required=False,
            description="seconds (60-604800): the last price of each bucket instead of every change",
        ),
    ],
    responses=HistoryOut,
)
@api_view(["GET"])
def history(request: Request, event_id: int) -> Response:
    """Line movement of an event: every price change per bookmaker and outcome, with opening and closing."""
    event = get_object_or_404(Event.objects.select_related("sport"), pk=event_id)
    market = request.query_params.get("market")
    if market and market not in dict(MARKETS):
        raise serializers.ValidationError({"market": [f"unknown market {market!r}"]})
    seconds = request.query_params.get("bucket")
    bucket = None
    if seconds is not None:
        if not seconds.isdigit() or not 60 <= int(seconds) <= 7 * 86400:
            raise serializers.ValidationError({"bucket": ["seconds between 60 and 604800"]})
        bucket = timedelta(seconds=int(seconds))
    event.best_prices = selectors.best_prices([event.pk]).get(event.pk, [])
    series = selectors.line_movement(event, markets=[market] if market else None, bucket=bucket)
    return Response({"event": MatchOut(event).data, "series": SeriesOut(series, many=True).data})


class RunOut(serializers.ModelSerializer[CollectorRun]):
    class Meta:
        model = CollectorRun
        fields = [
            "id",
            "kind",
            "source",
            "sport_key",
            "started_at",
            "finished_at",
            "status",
            "credits_used",
            "credits_remaining",
            "credits_last",
            "events_seen",
            "prices_seen",
            "history_written",
            "rejected",
            "error",
            "error_code",
        ]


@extend_schema(responses={200: dict})
@api_view(["GET"])
def collector_status(request: Request) -> Response:
    """Last runs, credits left, what is scheduled next, and why collection is stopped if it is."""
    from odds.demo import demo_active

    runs = CollectorRun.objects.all()[:20]
    sports = []
    if settings.ODDS_API_KEY:
        for key in sports_to_collect():
            decision = decide(key)
            sports.append({"sport": key, "due": decision.due, "reason": decision.reason})
    return Response(
        {
            "demo": demo_active(),
            "blocked": collection_blocked() or None,
            "credits_remaining": credits_left(),
            "credit_reserve": settings.ODDS_API_CREDIT_RESERVE,
            "monthly_credits": settings.ODDS_API_MONTHLY_CREDITS,
            "sports": sports,
            "runs": RunOut(runs, many=True).data,
            "now": timezone.now(),
        }
    )


class RefreshIn(serializers.Serializer[Any]):
    sport = serializers.CharField(required=False, max_length=64)

    def validate_sport(self, value: str) -> str:
        if not SPORT_KEY.fullmatch(value):
            raise serializers.ValidationError("A sport key is lower-case letters, digits and _ (e.g. soccer_epl).")
        if value not in settings.ODDS_API_SPORTS and not Sport.objects.filter(key=value).exists():
            raise serializers.ValidationError(f"{value} is not a known sport (see the admin's Sports).")
        return value


@extend_schema(request=RefreshIn, responses={202: dict})
@api_view(["POST"])
def collector_refresh(request: Request) -> Response:
    """Queue one collection now (every collected sport, or one), or a demo snapshot without a key."""
    from odds.tasks import collect_odds, demo_tick

    data = RefreshIn(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        if not settings.ODDS_API_KEY:
            demo_tick.delay()
            return Response({"queued": ["demo"]}, status=status.HTTP_202_ACCEPTED)
        blocked = collection_blocked()
        if blocked:
            return Response({"detail": blocked, "errors": {}}, status=status.HTTP_409_CONFLICT)
        sports = [data.validated_data["sport"]] if data.validated_data.get("sport") else sports_to_collect()
        for key in sports:
            collect_odds.delay(key)
    except KombuOperationalError:
        detail = "The task queue (Redis) is not answering: nothing was queued. Try again once /health/ is ok."
        return Response({"detail": detail, "errors": {}}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"queued": sports}, status=status.HTTP_202_ACCEPTED)
