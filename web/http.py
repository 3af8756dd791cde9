"""The requests views receive, as the type checker sees them. Every page and endpoint not marked
``login_not_required`` is behind a login (ops.middleware, DRF's default IsAuthenticated), so its
``request.user`` is a User; django-htmx's middleware gives every request ``request.htmx``."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request


class PageRequest(HttpRequest):
    """A page's (or an admin action's) request."""

    user: User
    htmx: HtmxDetails


def api_user(request: Request) -> User:
    """The user an API view acts for (``@api_view`` types its request as DRF's, whose user may be anonymous)."""
    return cast("User", request.user)
