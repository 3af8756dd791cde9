"""Account settings: the bettor's preferences, API tokens for scripts (created and revoked by their
owner); the site's icon."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from web.forms import PreferencesForm
from web.http import PageRequest
from web.models import Preferences


def _preferences(request: PageRequest) -> Preferences:
    return Preferences.objects.filter(user=request.user).first() or Preferences(user=request.user)


def _account_page(request: PageRequest, form: PreferencesForm, status: int = 200) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    context = {"token": token, "new_key": request.session.pop("new_key", None), "form": form}
    return render(request, "monps/account.html", context, status=status)


@require_http_methods(["GET"])
def account(request: PageRequest) -> HttpResponse:
    return _account_page(request, PreferencesForm(instance=_preferences(request)))


@require_POST
def preferences_save(request: PageRequest) -> HttpResponse:
    form = PreferencesForm(request.POST, instance=_preferences(request))
    if not form.is_valid():
        return _account_page(request, form, status=422)
    form.save()
    messages.success(request, "Preferences saved.")
    return redirect("account")


@require_POST
def token_create(request: PageRequest) -> HttpResponse:
    Token.objects.filter(user=request.user).delete()  # one token per user: a new one replaces the old
    token = Token.objects.create(user=request.user)
    request.session["new_key"] = token.key  # shown once, on the next page
    messages.success(request, "New API token created. Copy it now: it is shown only once.")
    return redirect("account")


@require_POST
def token_revoke(request: PageRequest) -> HttpResponse:
    deleted, _ = Token.objects.filter(user=request.user).delete()
    messages.success(request, "API token revoked." if deleted else "There was no token to revoke.")
    return redirect("account")


@login_not_required
@require_http_methods(["GET", "HEAD"])
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, the API's)."""
    return HttpResponsePermanentRedirect(static("monps/favicon.svg"))
