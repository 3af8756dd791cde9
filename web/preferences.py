"""The bettor's preferences in force while a request is answered, as Django keeps the active time zone:
set once by the middleware, read by the template filters that format odds, amounts and stakes."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from contextvars import ContextVar
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from web.models import Preferences

_active: ContextVar[Preferences | None] = ContextVar("preferences", default=None)
DEFAULTS = Preferences()


def active() -> Preferences:
    """This request's user's preferences; the defaults outside a request or for anonymous visitors."""
    return _active.get() or DEFAULTS


def rounded_stake(stake: Decimal, rounding: Decimal) -> Decimal:
    """Down to a multiple of ``rounding``: a suggested stake is never rounded above what Kelly says."""
    return ((stake / rounding).to_integral_value(ROUND_DOWN) * rounding).quantize(Decimal("0.01"))


# The API answers decimal odds and UTC times whoever asks: scripts read it, not the bettor's eyes.
API_PREFIX = "/api/"


class PreferencesMiddleware:
    """After authentication: one query for a logged-in user's page, none for the API, for pages open
    without a login (``/health/`` answers while the database is down) or for anyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            _active.set(None)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: list[Any],
        view_kwargs: dict[str, Any],
    ) -> None:
        open_to_all = not getattr(view_func, "login_required", True)
        if open_to_all or request.path_info.startswith(API_PREFIX) or not request.user.is_authenticated:
            return
        preferences = Preferences.objects.filter(user_id=request.user.pk).first()
        _active.set(preferences)
        if preferences is not None and preferences.time_zone:
            timezone.activate(zoneinfo.ZoneInfo(preferences.time_zone))
