from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from odds import services
from odds.models import Bookmaker, CollectorRun, Event, Sport


@admin.register(Sport)
class SportAdmin(admin.ModelAdmin[Sport]):
    list_display = ["key", "title", "group", "active", "collect", "regions", "markets"]
    list_editable = ["collect", "regions", "markets"]
    list_filter = ["active", "collect", "group"]
    search_fields = ["key", "title"]

    def save_model(self, request: HttpRequest, obj: Sport, form: forms.ModelForm[Sport], change: bool) -> None:
        services.save_sport(sport=obj)


class BookmakerForm(forms.ModelForm[Bookmaker]):
    """The account settings read by the service's rule (``odds.services.clean_bookmaker_settings``),
    with its messages, in the change form and in the list's editable columns."""

    class Meta:
        model = Bookmaker
        fields = "__all__"  # noqa: DJ007 (the admin's own field list decides what is shown)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns; its stub allows None
        given = {name: cleaned[name] for name in services.BOOKMAKER_SETTINGS if name in cleaned}
        try:
            cleaned.update(services.clean_bookmaker_settings(given))
        except services.BookmakerRejected as exc:
            for name, errors in exc.message_dict.items():
                self.add_error(name, errors)
        return cleaned


@admin.register(Bookmaker)
class BookmakerAdmin(admin.ModelAdmin[Bookmaker]):
    form = BookmakerForm
    list_display = [
        "key",
        "title",
        "region",
        "is_sharp",
        "is_exchange",
        "commission",
        "stake_rounding",
        "max_stake",
        "active",
        "is_aggregate",
    ]
    list_editable = ["is_sharp", "is_exchange", "commission", "stake_rounding", "max_stake", "active"]
    list_filter = ["is_sharp", "is_exchange", "active", "region"]
    search_fields = ["key", "title"]

    def save_model(self, request: HttpRequest, obj: Bookmaker, form: forms.ModelForm[Bookmaker], change: bool) -> None:
        """The settings through the service that every other path uses; the rest as any model's."""
        changed = set(form.changed_data)
        other = sorted(changed - set(services.BOOKMAKER_SETTINGS))
        if not change:
            obj.save()
        elif other:
            obj.save(update_fields=other)
        settings = {n: getattr(obj, n) for n in services.BOOKMAKER_SETTINGS if n in changed}
        services.update_bookmaker(bookmaker=obj, changes=settings)


class EventForm(forms.ModelForm[Event]):
    class Meta:
        model = Event
        fields = "__all__"  # noqa: DJ007 (the admin's own field list decides what is shown)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Django's clean() returns; its stub allows None
        problem = services.result_problem(
            home_score=cleaned.get("home_score"),
            away_score=cleaned.get("away_score"),
            completed=bool(cleaned.get("completed")),
        )
        if problem:
            self.add_error("completed", problem)
        return cleaned


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    form = EventForm
    list_display = ["__str__", "sport", "commence_time", "completed", "home_score", "away_score", "source"]
    list_filter = ["source", "completed", "sport"]
    search_fields = ["home_team", "away_team", "provider_id"]
    date_hierarchy = "commence_time"
    list_select_related = ["sport"]
    readonly_fields = ["source", "provider_id", "last_collected_at", "scores_updated_at"]

    def save_model(self, request: HttpRequest, obj: Event, form: forms.ModelForm[Event], change: bool) -> None:
        services.save_event(event=obj, changed=form.changed_data)


@admin.register(CollectorRun)
class CollectorRunAdmin(admin.ModelAdmin[CollectorRun]):
    list_display = [
        "started_at",
        "kind",
        "sport_key",
        "status",
        "events_seen",
        "prices_seen",
        "history_written",
        "rejected",
        "credits_remaining",
        "error_code",
    ]
    list_filter = ["status", "kind", "source", "sport_key"]
    readonly_fields = [f.name for f in CollectorRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
