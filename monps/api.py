"""What every API view shares: one error shape, and pagination that clients can size."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.cache import caches
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from monps.versions import data_versions

if TYPE_CHECKING:
    from rest_framework import serializers


def exception_handler(exc: Exception, context: dict) -> Response | None:
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


def paginated(serializer_class: type, name: str) -> serializers.Serializer:
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


def cached_get(*areas: str, timeout: int = 300) -> Callable:
    """Answer a GET from the cache while the data versions of ``areas`` stay the same (see
    ``monps.versions``); authentication and throttling still run first (DRF does them before the
    view). The key is the full URL, so pagination links and filters each have their own answer."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: Request, *args: object, **kwargs: object) -> Response:
            if request.method != "GET":
                return view(request, *args, **kwargs)
            versions = data_versions()
            stamp = ",".join(versions.get(area, "") for area in areas)
            key = "api:" + hashlib.sha256(f"{request.build_absolute_uri()}|{stamp}".encode()).hexdigest()
            cache = caches["template_fragments"]
            data = cache.get(key)
            if data is not None:
                return Response(data)
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                cache.set(key, response.data, timeout)
            return response

        return wrapper

    return decorate
