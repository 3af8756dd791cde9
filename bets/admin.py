"""Bet entry in the admin goes through the same services as the form and the API."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from bets import services
from bets.models import Bet, BetChange, LedgerEntry
from odds.models import MARKETS
from web.forms import PLAIN_NUMBERS


class BetAdminForm(forms.ModelForm):
    market = forms.ChoiceField(choices=MARKETS)
    allow_started = forms.BooleanField(required=False, help_text="The event has started: a late entry.")
    allow_settled = forms.BooleanField(required=False, help_text="Change the price or stake of a settled bet.")

    class Meta:
        model = Bet
        fields = [
            "event",
            "market",
            "outcome",
            "point",
            "bookmaker",
            "price",
            "stake",
            "placed_at",
            "strategy_name",
            "notes",
        ]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                self.placed = services.place_bet(
                    bet=services.bet_input(data),
                    user=self.current_user,
                    via="admin",
                    allow_started=data.get("allow_started", False),
                )
            else:
                changes = {
                    k: data[k]
                    for k in ("price", "stake", "placed_at", "notes", "strategy_name")
                    if k in data and data[k] != getattr(self.instance, k)
                }
                if data["bookmaker"].pk != self.instance.bookmaker_id:
                    changes["bookmaker"] = data["bookmaker"].key
                self.placed = services.update_bet(
                    bet_id=self.instance.pk,
                    changes=changes,
                    user=self.current_user,
                    via="admin",
                    allow_settled=data.get("allow_settled", False),
                )
        except services.BetRejected as exc:
            raise ValidationError(exc.message_dict) from None
        except services.EditConflict as exc:
            raise ValidationError(str(exc)) from None
        return data


@admin.register(Bet)
class BetAdmin(admin.ModelAdmin):
    form = BetAdminForm
    formfield_overrides = PLAIN_NUMBERS
    list_display = [
        "placed_at",
        "event",
        "market",
        "outcome",
        "point",
        "bookmaker",
        "price",
        "stake",
        "status",
        "profit",
        "clv",
        "strategy_name",
    ]
    list_filter = ["status", "event__sport", "bookmaker", "strategy_name", "settled_manually"]
    search_fields = ["outcome", "event__home_team", "event__away_team", "notes", "strategy_name"]
    autocomplete_fields = ["event", "bookmaker"]
    list_select_related = ["event", "bookmaker"]
    date_hierarchy = "placed_at"
    readonly_fields = [
        "status",
        "profit",
        "settled_at",
        "settled_manually",
        "closing_price",
        "closing_fair_probability",
        "clv",
        "closing_note",
        "opportunity",
        "edge_at_placing",
    ]
    actions = ["settle_from_results", "mark_won", "mark_lost", "mark_void", "mark_push"]

    def get_form(self, request: HttpRequest, obj: Bet | None = None, **kwargs: object) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, **kwargs)
        form.current_user = request.user
        return form

    def save_model(self, request: HttpRequest, obj: Bet, form: BetAdminForm, change: bool) -> None:
        # The service already wrote the bet (and its audit) during validation.
        obj.pk = form.placed.pk

    def save_related(self, request: HttpRequest, form: BetAdminForm, formsets: list, change: bool) -> None:
        pass

    @admin.action(description="Settle (or re-settle) from results")
    def settle_from_results(self, request: HttpRequest, queryset: QuerySet[Bet]) -> None:
        count = 0
        for bet in queryset:
            if bet.settled_manually:
                services.settle_bet(bet=bet, status=Bet.PENDING, user=request.user, via="admin")
            count += services.settle_bet(bet=bet, user=request.user, via="admin").is_settled
        self.message_user(request, f"{count} bets settled from results.", messages.SUCCESS)

    def _mark(self, request: HttpRequest, queryset: QuerySet[Bet], status: str) -> None:
        for bet in queryset:
            services.settle_bet(bet=bet, status=status, user=request.user, via="admin")
        self.message_user(request, f"{queryset.count()} bets marked {status} by hand.", messages.SUCCESS)

    @admin.action(description="Mark won (manual)")
    def mark_won(self, request: HttpRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.WON)

    @admin.action(description="Mark lost (manual)")
    def mark_lost(self, request: HttpRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.LOST)

    @admin.action(description="Void (manual)")
    def mark_void(self, request: HttpRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.VOID)

    @admin.action(description="Mark push (manual)")
    def mark_push(self, request: HttpRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.PUSH)


@admin.register(BetChange)
class BetChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "bet_id", "action", "via", "changed_by"]
    list_filter = ["action", "via"]
    readonly_fields = ["bet", "action", "changes", "changed_by", "changed_at", "via"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BetChange | None = None) -> bool:
        return False


class LedgerEntryAdminForm(forms.ModelForm):
    class Meta:
        model = LedgerEntry
        fields = ["kind", "amount", "at", "note"]

    def clean_at(self) -> datetime:
        try:
            return services.clean_ledger_at(self.cleaned_data["at"], now=timezone.now())
        except services.BetRejected as exc:
            raise ValidationError(exc.message_dict["at"]) from None


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    form = LedgerEntryAdminForm
    formfield_overrides = PLAIN_NUMBERS
    list_display = ["at", "kind", "amount", "note"]
    list_filter = ["kind"]
    date_hierarchy = "at"
