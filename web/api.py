"""What every API view shares: one error shape, pagination that clients can size, and a list's
FilterSet read as its query parameters."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_filters import FilterSet
    from drf_spectacular.utils import OpenApiParameter
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.views import APIView

Row = TypeVar("Row")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answers ``{"detail": "...", "errors": {field: [messages]}}``."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": "Invalid input.", "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"detail": detail, "errors": {}}
    return response


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(
        self, queryset: QuerySet[Any, Row] | Sequence[Row], request: Request, view: APIView | None = None
    ) -> list[Row]:
        page = super().paginate_queryset(queryset, request, view)
        assert page is not None  # REST_FRAMEWORK's PAGE_SIZE is set: a list always has a page
        return page


def paginated(serializer_class: type[serializers.Serializer[Any]], name: str) -> serializers.Serializer[Any]:
    """The documented shape of a paginated list of ``serializer_class``."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name=f"Paginated{name}",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def filtered(filterset: FilterSet) -> QuerySet[Any]:
    """The FilterSet's rows, or a 400 in the one error shape naming each parameter it could not read.

    Not django-filter's ``translate_validation``: it %-formats every message, and a message quoting
    the value ("'5%' is not a number") would fail there."""
    if not filterset.is_valid():
        errors = filterset.form.errors.get_json_data()  # what filterset.errors is, typed as Django's
        raise exceptions.ValidationError({name: [e["message"] for e in found] for name, found in errors.items()})
    return filterset.qs


def filter_parameters(filterset_class: type[FilterSet]) -> list[OpenApiParameter]:
    """A FilterSet's filters as the query parameters of a function view's schema: drf-spectacular
    reads them from a generic view's filter backend, which an ``@api_view`` has not."""
    from django import forms
    from drf_spectacular.types import OpenApiTypes
    from drf_spectacular.utils import OpenApiParameter

    from web.filters import BooleanField, IsoDateTimeField

    parameters = []
    for name, declared in filterset_class.base_filters.items():
        field = copy.deepcopy(declared).field  # a copy: the class's own filter caches no form field
        kind: OpenApiTypes | dict[str, Any] = OpenApiTypes.STR
        enum: list[Any] | None = None
        pattern: str | None = None
        default: bool | None = None
        if isinstance(field, BooleanField):
            kind = {"type": "boolean", "nullable": True} if field.allow_null else OpenApiTypes.BOOL
            default = field.default
        elif isinstance(field, forms.DecimalField):
            kind = {"type": "string", "format": "decimal"}  # as DRF's DecimalField is documented
            if field.max_digits is not None and field.decimal_places is not None:  # a pattern only when bounded
                whole = field.max_digits - field.decimal_places
                pattern = f"^-?\\d{{0,{whole}}}(?:\\.\\d{{0,{field.decimal_places}}})?$"
        elif isinstance(field, IsoDateTimeField):
            kind = OpenApiTypes.DATETIME
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            # django-stubs types the getter as the setter's input; Django normalises it to (value, label) pairs.
            shown = [value for value, _ in field.choices if value != ""]  # type: ignore[misc, union-attr]

            enum = list(dict.fromkeys([*shown, *getattr(field, "also_accepted", [])]))
        parameters.append(
            OpenApiParameter(
                name,
                kind,
                description=getattr(declared, "description", ""),
                enum=enum,
                pattern=pattern,
                default=default,
            )
        )
    return parameters
