"""``/metrics`` for Prometheus: open on loopback, elsewhere only with ``Authorization: Bearer $METRICS_TOKEN``."""

import hmac
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView

LOOPBACK = {"127.0.0.1", "::1"}
# django-prometheus has no type hints; this is its view's signature.
export: Callable[[HttpRequest], HttpResponse] = ExportToDjangoView


@login_not_required
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and hmac.compare_digest(supplied, token):
        return export(request)
    if not token and request.META.get("REMOTE_ADDR") in LOOPBACK:
        return export(request)

    return HttpResponse("metrics need a bearer token\n", status=401, content_type="text/plain")
