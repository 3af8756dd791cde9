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
        # Before Django's own check, which reads the session (the database) even for a public view:
        # /health/ must answer 503, not fail, when the database is down and the browser has a session.
        if request.path_info.startswith("/api/") or not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
