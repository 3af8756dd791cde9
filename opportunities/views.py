from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from opportunities import selectors
from opportunities.filters import ActiveOpportunityFilter
from opportunities.forms import StrategyForm
from opportunities.models import Strategy
from opportunities.valuation import BEST, BEST_FALLBACK
from stats.models import Calibration, best_by_market
from web.http import PageRequest


def opportunity_list(request: PageRequest) -> HttpResponse:
    # A value the filter bar cannot read shows every active opportunity, as the page always has.
    active = selectors.opportunities()
    filterset = ActiveOpportunityFilter(request.GET or None, queryset=active)
    opportunities = filterset.qs if filterset.is_valid() else active
    context = {
        "form": filterset.form,
        "page": Paginator(opportunities, 50).get_page(request.GET.get("page")),
        "now": timezone.now(),
        "query": request.GET.urlencode(),
    }
    if request.htmx:
        return render(request, "opportunities/list.html#results", context)
    context["surebets"] = selectors.active_surebets()  # only the full page shows them
    return render(request, "opportunities/list.html", context)


def strategy_list(request: HttpRequest) -> HttpResponse:
    strategies = list(Strategy.objects.select_related("reference_bookmaker").prefetch_related("sports", "bookmakers"))
    if any(s.devig_method == BEST for s in strategies):
        # What "best-scoring" resolves to for each, from the stored calibrations: one query for all.
        calibrations = list(Calibration.objects.exclude(best="").select_related("sport", "reference").order_by("pk"))
        for s in strategies:
            if s.devig_method == BEST:
                chosen = best_by_market(calibrations, s.reference_bookmaker_id).values()
                s.calibrated = sorted(chosen, key=lambda c: (c.sport.title, c.market))
    return render(request, "opportunities/strategies.html", {"strategies": strategies, "fallback": BEST_FALLBACK})


@require_http_methods(["GET", "POST"])
def strategy_edit(request: HttpRequest, strategy_id: int | None = None) -> HttpResponse:
    strategy = get_object_or_404(Strategy, pk=strategy_id) if strategy_id else None
    form = StrategyForm(request.POST or None, instance=strategy)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Strategy {saved.name} saved; it applies from the next detection pass.")
        return redirect("strategy-list")
    return render(request, "opportunities/strategy_form.html", {"form": form, "strategy": strategy})
