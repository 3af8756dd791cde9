from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from opportunities import selectors, services
from opportunities.filters import ActiveOpportunityFilter
from opportunities.forms import StrategyForm
from opportunities.models import HiddenOpportunity, Opportunity, Strategy
from opportunities.valuation import BEST, BEST_FALLBACK
from stats.models import Calibration, best_by_market
from web.http import PageRequest
from web.preferences import active

# Sent after a hide or unhide: the list refreshes itself on it (templates/opportunities/list.html).
CHANGED = "opportunitiesChanged"


@require_safe
def opportunity_list(request: PageRequest) -> HttpResponse:
    """Active opportunities less those the bettor hid, filtered; what was detected after their
    previous visit is marked new. Opening the page (not its refreshes) counts as a visit."""
    now = timezone.now()
    filterset = ActiveOpportunityFilter(
        request.GET or None, queryset=selectors.opportunities().visible_to(request.user.pk), now=now
    )
    # A value the filter bar cannot read is named above the list, which then shows every opportunity.
    opportunities = filterset.qs if filterset.is_valid() else selectors.opportunities().visible_to(request.user.pk)
    # A refresh keeps the visit's "new"; opening the page starts a visit, new since the one before.
    preferences = active()
    new_after = preferences.opportunities_new_after if request.htmx else preferences.opportunities_visited_at
    context = {
        "form": filterset.form,
        "filter_errors": [] if filterset.is_valid() else _errors(filterset.form),
        "page": Paginator(opportunities, 50).get_page(request.GET.get("page")),
        "now": now,
        "query": request.GET.urlencode(),
        "new_after": new_after,
        "new_count": opportunities.filter(detected_at__gt=new_after).count() if new_after else 0,
    }
    if request.htmx:
        return render(request, "opportunities/list.html#results", context)
    if request.method == "GET":
        services.record_visit(user_id=request.user.pk, at=now)
    context["hidden_count"] = HiddenOpportunity.objects.filter(user_id=request.user.pk).count()
    context["surebets"] = selectors.active_surebets()  # only the full page shows them
    return render(request, "opportunities/list.html", context)


def _errors(form: forms.Form) -> list[str]:
    return [f"{form[name].label}: {' '.join(str(e) for e in found)}" for name, found in form.errors.items()]


@require_POST
def opportunity_hide(request: PageRequest, opportunity_id: int) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity.objects.select_related("bookmaker"), pk=opportunity_id)
    hidden = services.hide_opportunity(user_id=request.user.pk, opportunity=opportunity)
    if request.htmx:
        context = {"hidden": hidden, "o": opportunity, **_hidden_count(request)}
        return trigger_client_event(render(request, "opportunities/list.html#hidden_notice", context), CHANGED)
    messages.success(request, f"Hidden: {_selection(opportunity)} at {opportunity.bookmaker.title}.")
    return _back(request)


@require_POST
def opportunity_unhide(request: PageRequest, hidden_id: int) -> HttpResponse:
    shown = services.unhide_opportunity(user_id=request.user.pk, hidden_id=hidden_id)
    if shown is None:
        raise Http404("You have hidden no such opportunity.")
    if request.htmx:
        context = {"shown": shown, **_hidden_count(request)}
        return trigger_client_event(render(request, "opportunities/list.html#notice", context), CHANGED)
    messages.success(request, f"Shown again: {shown.bookmaker.title}'s price is back in the list.")
    return _back(request, default="opportunity-hidden")


@require_GET
def hidden_list(request: PageRequest) -> HttpResponse:
    """What the bettor hid, to show again."""
    page = Paginator(selectors.hidden(request.user.pk), 50).get_page(request.GET.get("page"))
    return render(request, "opportunities/hidden.html", {"page": page})


def _hidden_count(request: PageRequest) -> dict[str, object]:
    """The "Hidden by you (n)" link's count, swapped in beside the notice (out of band)."""
    return {"hidden_count": HiddenOpportunity.objects.filter(user_id=request.user.pk).count(), "out_of_band": True}


def _selection(opportunity: Opportunity) -> str:
    point = f" {opportunity.point:+}" if opportunity.point is not None else ""
    return f"{opportunity.outcome}{point} ({opportunity.event})"


def _back(request: PageRequest, default: str = "opportunity-list") -> HttpResponse:
    # Back to the list as it was filtered; only to this site.
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


def strategy_list(request: PageRequest) -> HttpResponse:
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
def strategy_edit(request: PageRequest, strategy_id: int | None = None) -> HttpResponse:
    strategy = get_object_or_404(Strategy, pk=strategy_id) if strategy_id else None
    form = StrategyForm(request.POST or None, instance=strategy)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Strategy {saved.name} saved; it applies from the next detection pass.")
        return redirect("strategy-list")
    return render(request, "opportunities/strategy_form.html", {"form": form, "strategy": strategy})
