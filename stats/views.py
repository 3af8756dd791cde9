from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bets import selectors as bet_selectors
from monps.charts import Line, line_chart
from odds.selectors import collector_panel
from opportunities import selectors as opportunity_selectors
from stats import selectors

PANELS = {"figures", "bets", "opportunities", "collector", "chart"}


def dashboard(request: HttpRequest) -> HttpResponse:
    """Everything at a glance; each panel refreshes itself (``?panel=`` with HX-Request)."""
    panel = request.GET.get("panel") if request.htmx else None
    wanted = {panel} if panel in PANELS else PANELS
    context: dict = {"now": timezone.now()}
    if "figures" in wanted:
        context["money"] = selectors.bankroll_change()
        context["summary"] = selectors.summary()
    if "bets" in wanted:
        context["active_bets"] = list(bet_selectors.bets(status="pending")[:5])
    if "opportunities" in wanted:
        context["top_opportunities"] = opportunity_selectors.top(3)
    if "collector" in wanted:
        context["collector"] = collector_panel()
    if "chart" in wanted:
        series = selectors.bankroll_series()
        context["bankroll_chart"] = (
            line_chart([Line("Bankroll", series)], title="Bankroll over time", y_format="{:,.0f}", until=timezone.now())
            if series
            else None
        )
    if panel in PANELS:
        return render(request, f"stats/dashboard.html#{panel}", context)
    return render(request, "stats/dashboard.html", context)


def stats_page(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period") if request.GET.get("period") in selectors.PERIODS else "week"
    series = selectors.profit_series(period)
    profit_chart = (
        line_chart(
            [Line("Cumulative profit", [(r["period"], r["cumulative_profit"]) for r in series])],
            title="Cumulative profit",
            y_format="{:,.0f}",
        )
        if series
        else None
    )
    context = {
        "summary": selectors.summary(),
        "risk": selectors.risk(),
        "period": period,
        "series": series,
        "profit_chart": profit_chart,
        "clv": selectors.clv_distribution(),
        "breakdowns": [(name.replace("_", " "), selectors.breakdown(name)) for name in selectors.DIMENSIONS],
    }
    return render(request, "stats/stats.html", context)
