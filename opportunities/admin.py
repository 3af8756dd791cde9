from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from opportunities import alerts
from opportunities.alerts_messages import digest_line, unlisted
from opportunities.models import Alert, DetectionRun, Opportunity, Strategy, Surebet
from opportunities.valuation import BOOK
from web.forms import PLAIN_NUMBERS


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin[Strategy]):
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

    def save_model(self, request: HttpRequest, obj: Strategy, form: forms.ModelForm[Strategy], change: bool) -> None:
        obj.fair_basis = obj.fair_basis or BOOK  # not given: the reference book or the consensus, as before
        super().save_model(request, obj, form, change)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin[Opportunity]):
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
class SurebetAdmin(admin.ModelAdmin[Surebet]):
    list_display = ["detected_at", "event", "market", "line", "locked_return", "expired_at"]
    raw_id_fields = ["event"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin[Alert]):
    """Alerts are records of deliveries: read-only, but for "send again", an operator's decision."""

    list_display = [
        "created_at",
        "channel",
        "target",
        "opportunity_count",
        "status",
        "attempts",
        "reclaims",
        "idempotency_key",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel"]
    readonly_fields = [
        "created_at",
        "channel",
        "target",
        "opportunity",
        "opportunity_count",
        "digest_contents",
        "idempotency_key",
        "status",
        "attempts",
        "reclaims",
        "claimed_at",
        "handed_over_at",
        "sent_at",
        "last_error",
    ]
    fields = tuple(readonly_fields)  # a tuple: the stubs type fields as a list of str or groups
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="digest")
    def digest_contents(self, alert: Alert) -> str:
        if not alert.is_digest:
            return "-"
        found = Opportunity.objects.select_related("event", "bookmaker", "strategy").in_bulk(alert.listed)
        lines = [digest_line(found[pk]) if pk in found else f"opportunity {pk}: gone" for pk in alert.listed]
        if more := unlisted(alert):
            lines.append(f"… and {more} more")
        return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    @admin.action(description="Send again (same idempotency key)")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        queued = alerts.send_again(alert_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{queued} unconfirmed or failed alerts queued again.")


@admin.register(DetectionRun)
class DetectionRunAdmin(admin.ModelAdmin[DetectionRun]):
    list_display = ["started_at", "duration_ms", "events", "prices", "created", "updated", "expired", "surebets"]
