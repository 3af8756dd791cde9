from collections.abc import Callable

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login (Django's middleware), except what authenticates on its own.

    The API authenticates inside DRF (session or token) and answers 401/403 in JSON, not a redirect
    to the login page; its default permission is IsAuthenticated. Health, metrics and the login
    page are marked with ``login_not_required``.
    """

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
