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


def acting_user(request: HttpRequest | Request) -> User:
    """The user a view behind a login acts for, where its request's type allows an anonymous one: an
    ``@api_view`` (DRF's Request) or a ModelAdmin method (the admin lets in staff users only)."""
    return cast("User", request.user)
