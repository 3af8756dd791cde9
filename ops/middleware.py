from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login (Django's middleware), except what authenticates on its own.

    The API authenticates inside DRF (session or token) and answers 401/403 in JSON, not a redirect
    to the login page; its default permission is IsAuthenticated. Health, metrics and the login
    page are marked with ``login_not_required``.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        # Before Django's own check, which reads the session (the database) even for a public view:
        # /health/ must answer 503, not fail, when the database is down and the browser has a session.
        if request.path_info.startswith("/api/") or not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RefuseNulInQueryMiddleware:
    """Answer 400 for a NUL character in a query string's names or values.

    PostgreSQL cannot store or compare text containing NUL, and psycopg raises on it: a 500. Forms
    and serializers refuse NUL in what they read (Django's and DRF's CharField), but the admin's
    changelist filters pass ``?status__exact=%00`` straight to a query. No page or endpoint has a
    use for NUL in a query string, so it is refused here, once, before any view; the API answers in
    its error shape. Bodies are left to the forms and serializers, which name the field.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return _nul_refused(request, name.replace("\x00", "\\x00")[:40])
        return self.get_response(request)


def _nul_refused(request: HttpRequest, name: str) -> HttpResponseBase:
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Invalid input.", "errors": {name: ["contains a NUL character"]}}, status=400)
    return HttpResponseBadRequest(
        f"Bad request: the query parameter {name!r} contains a NUL character.\n",
        content_type="text/plain; charset=utf-8",
    )
