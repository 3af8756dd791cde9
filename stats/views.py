from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bets import selectors as bet_selectors
from monps.charts import Line, line_chart
from monps.lazy import when_read
from odds.selectors import collector_panel
from opportunities import selectors as opportunity_selectors
from stats import selectors

PANELS = {"figures", "bets", "opportunities", "collector", "chart"}


def dashboard(request: HttpRequest) -> HttpResponse:
    """Everything at a glance; each panel refreshes itself (``?panel=`` with HX-Request). Panels are
    cached by the versions of their data (templates/stats/dashboard.html): values are computed only
    when a panel is rendered afresh."""
    panel = request.GET.get("panel") if request.htmx else None
    context = {
        "now": timezone.now(),
        "money": when_read(selectors.bankroll_change),
        "summary": when_read(selectors.summary),
        "active_bets": when_read(lambda: list(bet_selectors.bets(status="pending")[:5])),
        "top_opportunities": when_read(lambda: opportunity_selectors.top(3)),
        "collector": when_read(collector_panel),
        "bankroll_chart": when_read(_bankroll_chart),
    }
    if panel in PANELS:
        return render(request, f"stats/dashboard.html#{panel}", context)
    return render(request, "stats/dashboard.html", context)


def _bankroll_chart() -> str | None:
    series = selectors.bankroll_series()
    if not series:
        return None
    return line_chart([Line("Bankroll", series)], title="Bankroll over time", y_format="{:,.0f}", until=timezone.now())


def stats_page(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period") if request.GET.get("period") in selectors.PERIODS else "week"
    series = when_read(lambda: selectors.profit_series(period))

    def profit_chart() -> str | None:
        rows = series()
        if not rows:
            return None
        points = [(r["period"], r["cumulative_profit"]) for r in rows]
        return line_chart([Line("Cumulative profit", points)], title="Cumulative profit", y_format="{:,.0f}")

    context = {
        "summary": when_read(selectors.summary),
        "risk": when_read(selectors.risk),
        "period": period,
        "series": series,
        "profit_chart": when_read(profit_chart),
        "clv": when_read(selectors.clv_distribution),
        "breakdowns": when_read(
            lambda: [(name.replace("_", " "), selectors.breakdown(name)) for name in selectors.DIMENSIONS]
        ),
    }
    return render(request, "stats/stats.html", context)
