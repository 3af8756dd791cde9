"""Bet entry in the admin goes through the same services as the form and the API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from bets import services, trail
from bets.models import Bet, BetEvent, BookmakerLimit, LedgerEntry
from odds.models import MARKETS
from web.forms import PLAIN_NUMBERS
from web.http import PageRequest, acting_user

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.forms.formsets import BaseFormSet


class BetAdminForm(forms.ModelForm[Bet]):
    current_user: User  # set by BetAdmin.get_form
    placed: Bet  # the bet clean() placed or updated through the services
    market = forms.ChoiceField(choices=MARKETS)
    allow_started = forms.BooleanField(required=False, help_text="The event has started: a late entry.")
    allow_settled = forms.BooleanField(required=False, help_text="Change the price or stake of a settled bet.")
    allow_over_balance = forms.BooleanField(
        required=False, help_text="Stake more than the book's recorded balance (kept in the bet's history)."
    )

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
            "stake_requested",
            "placed_at",
            "strategy_name",
            "notes",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Django's clean() returns; its stub allows None
        if self.errors:
            return data
        try:
            if self.instance._state.adding:  # a new bet (pk None: django-stubs types pk as never None)
                self.placed = services.place_bet(
                    bet=services.bet_input(data),
                    user=self.current_user,
                    via="admin",
                    allow_started=data.get("allow_started", False),
                    allow_over_balance=data.get("allow_over_balance", False),
                )
            else:
                changes: dict[str, Any] = {
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
                    allow_over_balance=data.get("allow_over_balance", False),
                )
        except services.BetRejected as exc:
            raise ValidationError(exc.message_dict) from None
        except services.EditConflict as exc:
            raise ValidationError(str(exc)) from None
        return data


@admin.register(Bet)
class BetAdmin(admin.ModelAdmin[Bet]):
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
        "over_balance",
        "history",
    ]
    actions = ["settle_from_results", "mark_won", "mark_lost", "mark_void", "mark_push"]

    def get_readonly_fields(self, request: HttpRequest, obj: Bet | None = None) -> list[str]:
        # What was asked for is a fact of the placing, as the limit it recorded: not edited after.
        return [*self.readonly_fields, "stake_requested"] if obj else list(self.readonly_fields)

    @admin.display(description="Over the book's balance", boolean=True)
    def over_balance(self, obj: Bet) -> bool:
        return obj.allow_over_balance

    def get_form(
        self, request: HttpRequest, obj: Bet | None = None, change: bool = False, **kwargs: Any
    ) -> type[BetAdminForm]:
        form = cast("type[BetAdminForm]", super().get_form(request, obj, change, **kwargs))  # a subclass of self.form
        form.current_user = acting_user(request)
        return form

    def save_model(self, request: HttpRequest, obj: Bet, form: BetAdminForm, change: bool) -> None:
        # The service already wrote the bet (and its audit) during validation.
        obj.pk = form.placed.pk

    def save_related(
        self, request: HttpRequest, form: BetAdminForm, formsets: list[BaseFormSet[Any]], change: bool
    ) -> None:
        pass

    def delete_model(self, request: HttpRequest, obj: Bet) -> None:
        with trail.recording(action="delete", user=acting_user(request), via="admin"):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Bet]) -> None:
        with trail.recording(action="delete", user=acting_user(request), via="admin"):
            super().delete_queryset(request, queryset)

    @admin.display(description="History")
    def history(self, obj: Bet) -> SafeString | str:
        return changes_table(trail.bet_trail(obj.pk)) if obj.pk else "—"

    @admin.action(description="Settle (or re-settle) from results")
    def settle_from_results(self, request: PageRequest, queryset: QuerySet[Bet]) -> None:
        count = 0
        for bet in queryset:
            if bet.settled_manually:
                services.settle_bet(bet=bet, status=Bet.PENDING, user=request.user, via="admin")
            count += services.settle_bet(bet=bet, user=request.user, via="admin").is_settled
        self.message_user(request, f"{count} bets settled from results.", messages.SUCCESS)

    def _mark(self, request: PageRequest, queryset: QuerySet[Bet], status: str) -> None:
        for bet in queryset:
            services.settle_bet(bet=bet, status=status, user=request.user, via="admin")
        self.message_user(request, f"{queryset.count()} bets marked {status} by hand.", messages.SUCCESS)

    @admin.action(description="Mark won (manual)")
    def mark_won(self, request: PageRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.WON)

    @admin.action(description="Mark lost (manual)")
    def mark_lost(self, request: PageRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.LOST)

    @admin.action(description="Void (manual)")
    def mark_void(self, request: PageRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.VOID)

    @admin.action(description="Mark push (manual)")
    def mark_push(self, request: PageRequest, queryset: QuerySet[Bet]) -> None:
        self._mark(request, queryset, Bet.PUSH)


def as_text(value: object) -> str:
    """A trail value as the admin shows it: times in ISO 8601 to the second, nothing as a dash."""
    if value is None or value == "":
        return "—"
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else str(value)


def changes_list(entry: trail.TrailEntry) -> SafeString:
    rows = [(name, as_text(old), as_text(new)) for name, (old, new) in entry.changes.items()]
    # A new bet's empty fields (— → —) say nothing.
    return format_html_join("", "<div>{}: {} → {}</div>", (row for row in rows if row[1] != row[2]))


def changes_table(entries: list[trail.TrailEntry]) -> SafeString:
    """A bet's trail as a table: when, who, via, action, and each field old → new."""
    head = format_html_join("", "<th>{}</th>", ((h,) for h in ["When", "Who", "Via", "Action", "Changes"]))
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((as_text(e.at), e.who or "—", e.via or "—", e.action, changes_list(e)) for e in entries),
    )
    return format_html('<table class="bet-trail"><tr>{}</tr>{}</table>', head, rows)


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(a, a) for a in trail.ACTIONS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[BetEvent]) -> QuerySet[BetEvent]:
        return queryset.filter(pgh_context__action=self.value()) if self.value() else queryset


class ViaFilter(admin.SimpleListFilter):
    title = "via"
    parameter_name = "via"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(v, v) for v in trail.VIAS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[BetEvent]) -> QuerySet[BetEvent]:
        return queryset.filter(pgh_context__via=self.value()) if self.value() else queryset


class TrailChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Each row's changes compare it with its bet's event before: read them for the page at once.
        for event, entry in zip(self.result_list, trail.entries(self.result_list), strict=True):
            event.entry = entry


@admin.register(BetEvent)
class BetEventAdmin(admin.ModelAdmin[BetEvent]):
    """The audit trail, newest first. Read-only: the table refuses updates and deletes anyway."""

    list_display = ["when", "bet", "action", "via", "who", "changes"]
    list_filter = [ActionFilter, ViaFilter]
    ordering = ["-pgh_id"]
    readonly_fields = ["when", "bet", "action", "via", "who", "changes"]
    fields = tuple(readonly_fields)  # a tuple: the stubs type fields as a list of str or groups

    def get_changelist(self, request: HttpRequest, **kwargs: object) -> type[ChangeList]:
        return TrailChangeList

    def _entry(self, event: BetEvent) -> trail.TrailEntry:
        if not hasattr(event, "entry"):
            event.entry = trail.entries([event])[0]
        entry: trail.TrailEntry = event.entry
        return entry

    @admin.display(description="when")
    def when(self, event: BetEvent) -> str:
        return as_text(event.pgh_created_at)

    @admin.display(description="bet")
    def bet(self, event: BetEvent) -> SafeString:
        url = reverse("admin:bets_bet_change", args=[event.pgh_obj_id])
        return format_html('<a href="{}">{}</a>', url, event.pgh_obj_id)

    @admin.display(description="action")
    def action(self, event: BetEvent) -> str:
        return self._entry(event).action

    @admin.display(description="via")
    def via(self, event: BetEvent) -> str:
        return self._entry(event).via or "—"

    @admin.display(description="who")
    def who(self, event: BetEvent) -> str:
        return self._entry(event).who or "—"

    @admin.display(description="changes")
    def changes(self, event: BetEvent) -> SafeString:
        return changes_list(self._entry(event))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BetEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BetEvent | None = None) -> bool:
        return False


class LedgerEntryAdminForm(forms.ModelForm[LedgerEntry]):
    class Meta:
        model = LedgerEntry
        fields = ["kind", "amount", "bookmaker", "at", "note"]

    def clean_at(self) -> datetime:
        try:
            return services.clean_ledger_at(self.cleaned_data["at"], now=timezone.now())
        except services.BetRejected as exc:
            raise ValidationError(exc.message_dict["at"]) from None


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin[LedgerEntry]):
    form = LedgerEntryAdminForm
    formfield_overrides = PLAIN_NUMBERS
    list_display = ["at", "kind", "amount", "bookmaker", "note"]
    list_filter = ["kind", "bookmaker"]
    list_select_related = ["bookmaker"]
    date_hierarchy = "at"


class BookmakerLimitAdminForm(forms.ModelForm[BookmakerLimit]):
    """A limit met outside monps, recorded by hand through the same service as a bet's."""

    class Meta:
        model = BookmakerLimit
        fields = ["bookmaker", "market", "stake_accepted", "stake_requested", "at", "note"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            self.instance = services.record_limit(
                bookmaker=data["bookmaker"],
                market=data["market"],
                stake_accepted=data["stake_accepted"],
                stake_requested=data.get("stake_requested"),
                at=data.get("at"),
                note=data.get("note", ""),
            )
        except services.BetRejected as exc:
            raise ValidationError(exc.message_dict) from None
        return data


@admin.register(BookmakerLimit)
class BookmakerLimitAdmin(admin.ModelAdmin[BookmakerLimit]):
    """Each book's limits, newest first; the newest is the book's maximum stake."""

    form = BookmakerLimitAdminForm
    formfield_overrides = PLAIN_NUMBERS
    list_display = ["at", "bookmaker", "market", "stake_accepted", "stake_requested", "bet", "note"]
    list_filter = ["bookmaker", "market"]
    list_select_related = ["bookmaker", "bet"]
    date_hierarchy = "at"
    readonly_fields = ["bet"]

    def save_model(self, request: HttpRequest, obj: BookmakerLimit, form: Any, change: bool) -> None:
        pass  # recorded by the service during validation

    def has_change_permission(self, request: HttpRequest, obj: BookmakerLimit | None = None) -> bool:
        return False  # a limit is what a book did; one recorded by mistake is deleted
