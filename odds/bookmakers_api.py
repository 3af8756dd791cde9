"""The bookmakers API: each book's account settings (commission, stake rounding, maximum stake,
whether it is an exchange, whether the bettor has an account there), read and edited; every write
goes through ``odds.services.update_bookmaker``, the settings page's and the admin's rule."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from odds import selectors, services
from odds.models import Bookmaker
from web.api import Pagination, paginated
from web.api_input import StrictSerializer


class BookmakerSettingsOut(serializers.ModelSerializer[Bookmaker]):
    class Meta:
        model = Bookmaker
        fields = [
            "key",
            "title",
            "region",
            "is_sharp",
            "is_exchange",
            "commission",
            "stake_rounding",
            "max_stake",
            "active",
        ]
        extra_kwargs = {
            "commission": {"help_text": "share of net winnings the exchange keeps: 0.05 = 5%"},
            "stake_rounding": {"help_text": "stakes here round down to this unit; null: none"},
            "max_stake": {"help_text": "the largest stake this book accepts; null: not known"},
        }


class BookmakerSettingsEdit(StrictSerializer):
    """The settings to change; amounts as JSON numbers or decimal text, validated by the service."""

    is_exchange = serializers.BooleanField(required=False)
    commission = serializers.CharField(required=False, help_text="a share from 0 up to 1: 0.05 = 5% of net winnings")
    stake_rounding = serializers.CharField(required=False, allow_null=True, help_text="more than 0, or null")
    max_stake = serializers.CharField(required=False, allow_null=True, help_text="more than 0, or null")
    active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            return services.clean_bookmaker_settings(attrs)
        except services.BookmakerRejected as exc:
            raise serializers.ValidationError(exc.message_dict) from None


class BookmakerSettingsEditInList(BookmakerSettingsEdit):
    key = serializers.CharField(help_text="the bookmaker to change")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        key = attrs.pop("key")
        return {"key": key, **super().validate(attrs)}


@extend_schema(methods=["GET"], responses=paginated(BookmakerSettingsOut, "Bookmakers"), operation_id="bookmakers_list")
@extend_schema(
    methods=["PATCH"],
    request=BookmakerSettingsEditInList(many=True),
    responses=BookmakerSettingsOut(many=True),
    operation_id="bookmakers_update_many",
)
@api_view(["GET", "PATCH"])
def bookmakers(request: Request) -> Response:
    """Every bookmaker (not market bests or averages) with its settings; PATCH changes several at
    once, ``[{"key": ..., <settings>}]``: all of them, or none when one is refused (its errors named
    ``<key>.<setting>``)."""
    if request.method == "PATCH":
        if not isinstance(request.data, list) or not request.data:
            raise serializers.ValidationError({"non_field_errors": ['a list of {"key": ..., <settings>} objects']})
        books = {b.key: b for b in selectors.bookmakers()}
        errors: dict[str, list[str]] = {}
        changes = []
        for index, item in enumerate(request.data):
            edit = BookmakerSettingsEditInList(data=item)
            name = str(item.get("key", f"#{index}")) if isinstance(item, dict) else f"#{index}"
            if not edit.is_valid():
                errors.update({f"{name}.{field}": [str(e) for e in found] for field, found in edit.errors.items()})
            elif edit.validated_data["key"] not in books:
                errors[f"{name}.key"] = [f"no bookmaker {name!r}"]
            else:
                changes.append(dict(edit.validated_data))
        if errors:
            raise serializers.ValidationError(errors)
        with transaction.atomic():
            changed = [services.update_bookmaker(bookmaker=books[c.pop("key")], changes=c) for c in changes]
        return Response(BookmakerSettingsOut(changed, many=True).data)
    paginator = Pagination()
    page = paginator.paginate_queryset(selectors.bookmakers(), request)
    return paginator.get_paginated_response(BookmakerSettingsOut(page, many=True).data)


@extend_schema(methods=["GET"], responses=BookmakerSettingsOut)
@extend_schema(methods=["PATCH"], request=BookmakerSettingsEdit, responses=BookmakerSettingsOut)
@api_view(["GET", "PATCH"])
def bookmaker_detail(request: Request, key: str) -> Response:
    """One bookmaker's settings; PATCH changes those given (the rules of the settings page)."""
    bookmaker = get_object_or_404(selectors.bookmakers(), key=key)
    if request.method == "PATCH":
        edit = BookmakerSettingsEdit(data=request.data)
        edit.is_valid(raise_exception=True)
        services.update_bookmaker(bookmaker=bookmaker, changes=edit.validated_data)
    return Response(BookmakerSettingsOut(bookmaker).data)
