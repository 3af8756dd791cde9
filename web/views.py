"""Account settings: API tokens for scripts, created and revoked by their owner; the site's icon."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token


@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(request, "monps/account.html", {"token": token, "new_key": request.session.pop("new_key", None)})


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    Token.objects.filter(user=request.user).delete()  # one token per user: a new one replaces the old
    token = Token.objects.create(user=request.user)
    request.session["new_key"] = token.key  # shown once, on the next page
    messages.success(request, "New API token created. Copy it now: it is shown only once.")
    return redirect("account")


@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    deleted, _ = Token.objects.filter(user=request.user).delete()
    messages.success(request, "API token revoked." if deleted else "There was no token to revoke.")
    return redirect("account")


@login_not_required
@require_http_methods(["GET", "HEAD"])
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, the API's)."""
    return HttpResponsePermanentRedirect(static("monps/favicon.svg"))
