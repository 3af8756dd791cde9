from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from monps.forms import PLAIN_NUMBERS
from opportunities.models import Alert, DetectionRun, Opportunity, Strategy, Surebet


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "active",
        "reference_bookmaker",
        "devig_method",
        "min_edge",
        "kelly_fraction",
        "max_stake_share",
        "alert_min_edge",
    ]
    list_filter = ["active", "devig_method"]
    filter_horizontal = ["sports", "bookmakers"]
    formfield_overrides = {**PLAIN_NUMBERS, models.URLField: {"assume_scheme": "https"}}


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = [
        "detected_at",
        "event",
        "market",
        "outcome",
        "point",
        "bookmaker",
        "price",
        "fair_price",
        "edge",
        "suggested_stake",
        "strategy",
        "expired_at",
    ]
    list_filter = ["strategy", "market", "bookmaker", ("expired_at", admin.EmptyFieldListFilter)]
    list_select_related = ["event", "bookmaker", "strategy"]
    search_fields = ["outcome", "event__home_team", "event__away_team"]
    raw_id_fields = ["event", "selection"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Surebet)
class SurebetAdmin(admin.ModelAdmin):
    list_display = ["detected_at", "event", "market", "line", "locked_return", "expired_at"]
    raw_id_fields = ["event"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "target", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["opportunity"]


@admin.register(DetectionRun)
class DetectionRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "duration_ms", "events", "prices", "created", "updated", "expired", "surebets"]
