"""The accounts page: what each bookmaker holds, and the limits each has set."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bets import selectors


@require_GET
def accounts(request: HttpRequest) -> HttpResponse:
    """Each book's balance (two queries in all: the balances, then every limit by book)."""
    context = {
        "balances": selectors.balances(),
        "limits": list(selectors.limits().order_by("bookmaker__title", "-at", "-id")),
    }
    return render(request, "bets/accounts.html", context)
