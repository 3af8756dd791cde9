from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bets import selectors as bet_selectors
from odds.models import MARKETS
from odds.selectors import collector_panel, history_lead
from opportunities import selectors as opportunity_selectors
from stats import bookmakers, selectors
from stats.filters import CalibrationFilter
from stats.forms import AT_CHOICES, BookmakerStatsForm
from stats.models import Calibration
from stats.verdict import strategy_subject, verdict_sentence
from web.charts import Curve, Line, line_chart, reliability_chart
from web.http import PageRequest


def _figures() -> dict[str, Any]:
    return {"money": selectors.bankroll_change(), "summary": selectors.summary()}


def _active_bets() -> dict[str, Any]:
    # Pending bets come first: one query tells "none pending" (settled ones follow) from "no bets yet".
    latest = list(bet_selectors.bets()[:5])
    return {"active_bets": [bet for bet in latest if not bet.is_settled], "any_bets": bool(latest)}


def _top_opportunities() -> dict[str, Any]:
    return {"top_opportunities": opportunity_selectors.top(3)}


def _accounts() -> dict[str, Any]:
    return {"balances": bet_selectors.balances()}


def _collector() -> dict[str, Any]:
    return {"collector": collector_panel()}


def _chart() -> dict[str, Any]:
    series = selectors.bankroll_series()
    if not series:
        return {"bankroll_chart": None}
    chart = line_chart(
        [Line("Bankroll", series)], title="Bankroll over time", y_format=_amount_format(series), until=timezone.now()
    )
    return {"bankroll_chart": chart}


# What each panel shows: a panel's refresh queries for that panel alone.
PANELS: dict[str, Callable[[], dict[str, Any]]] = {
    "figures": _figures,
    "bets": _active_bets,
    "opportunities": _top_opportunities,
    "accounts": _accounts,
    "collector": _collector,
    "chart": _chart,
}


def dashboard(request: PageRequest) -> HttpResponse:
    """Everything at a glance; each panel refreshes itself (``?panel=`` with HX-Request)."""
    panel = request.GET.get("panel") if request.htmx else None
    if panel in PANELS:
        return render(request, f"stats/dashboard.html#{panel}", PANELS[panel]())
    context: dict[str, Any] = {}
    for values in PANELS.values():
        context.update(values())
    return render(request, "stats/dashboard.html", context)


def stats_page(request: HttpRequest) -> HttpResponse:
    asked = request.GET.get("period")
    period = asked if asked in selectors.PERIODS else "week"
    series = selectors.profit_series(period)
    context = {
        "summary": selectors.summary(),
        "risk": selectors.risk(),
        "period": period,
        "series": series,
        "profit_chart": _profit_chart(series),
        "clv": selectors.clv_distribution(),
        "clv_methods": selectors.clv_by_method(),
        "closing_max_age": settings.CLOSING_MAX_AGE,
        "breakdowns": [(name.replace("_", " "), selectors.breakdown(name)) for name in selectors.DIMENSIONS],
        **_verdicts(),
    }
    return render(request, "stats/stats.html", context)


def _verdicts() -> dict[str, Any]:
    """Skill or luck of every bet, and of each strategy's: two queries."""
    overall = selectors.verdict()
    strategies = [
        {"name": name, "verdict": found, "sentence": verdict_sentence(found.clv, subject=strategy_subject(name))}
        for name, found in sorted(selectors.strategy_verdicts().items())
    ]
    return {
        "verdict": overall,
        "verdict_sentence": verdict_sentence(overall.clv),
        "resamples": f"{overall.resamples:,}",
        "strategy_verdicts": strategies,
    }


def _profit_chart(series: list[dict[str, Any]]) -> str | None:
    if not series:
        return None
    points = [(r["period"], r["cumulative_profit"]) for r in series]
    return line_chart([Line("Cumulative profit", points)], title="Cumulative profit", y_format=_amount_format(points))


def _amount_format(points: Sequence[tuple[datetime, Decimal]]) -> str:
    """Whole units on the axis when its five labels then all differ, cents otherwise: a chart spans its
    values and a margin (5% of the value for one alone), so amounts 20 apart, or one of 100 or more, are
    at least a unit apart label to label; closer ones would read "18, 18, 18, 17, 17"."""
    values = [value for _, value in points]
    span = max(values) - min(values)
    return "{:,.0f}" if span >= 20 or (span == 0 and abs(values[0]) >= 100) else "{:,.2f}"


def calibration_page(request: HttpRequest) -> HttpResponse:
    """The devig methods scored on stored results, for the sport, line, reference and moment chosen."""
    filterset = CalibrationFilter(request.GET, queryset=Calibration.objects.all())
    chosen = selectors.calibration(filterset) if filterset.is_valid() else None
    context: dict[str, Any] = {"form": filterset.form, "calibration": chosen, "beside": [], "chart": None}
    if chosen is not None:
        context["beside"] = selectors.calibrations_beside(chosen)
        methods = [r["method"] for r in chosen.results]  # jsonb keeps no key order: the results' is METHODS'
        curves = []
        for method in methods:
            bins = chosen.reliability[method]
            curves.append(Curve(method, [(b["mean_probability"], b["frequency"]) for b in bins if b["forecasts"]]))
        context["chart"] = reliability_chart(curves, title="Forecast probability against observed frequency")
        context["bins"] = _bins_by_method(chosen, methods)
    return render(request, "stats/calibration.html", context)


def _bins_by_method(chosen: Calibration, methods: list[str]) -> list[dict[str, Any]]:
    """The reliability diagram as a table: per bin, each method's forecasts, mean probability and
    observed frequency, named by its method (a phone labels each cell with it), in the order of ``methods``;
    ``empty`` when no method forecast in the bin."""
    rows = []
    for index, first in enumerate(chosen.reliability[methods[0]]):
        cells = [{**chosen.reliability[m][index], "method": m} for m in methods]
        empty = not any(cell["forecasts"] for cell in cells)
        rows.append({"low": first["low"], "high": first["high"], "cells": cells, "empty": empty})
    return rows


def bookmakers_page(request: PageRequest) -> HttpResponse:
    """Each bookmaker per market over a period (``stats.bookmakers``); the filter bar refreshes the
    figures alone with HX-Request. A value the form cannot read is named, and the defaults are shown."""
    form = BookmakerStatsForm(request.GET or None)
    query = form.query
    comparison = bookmakers.compare(
        market=query.market, start=query.start, end=query.end, at=query.at, strategy=query.strategy
    )
    titles = dict(MARKETS)
    markets = []
    for market in dict.fromkeys(row.market for row in comparison.rows):
        lines = bookmakers.margin_chart_lines(comparison.rows, market)
        chart = None
        if any(len(points) > 1 for _, points in lines):  # one point a line draws nothing
            chart = line_chart(
                [Line(title, points, step=False) for title, points in lines],
                title=f"Average margin by {comparison.bucket}, {titles.get(market, market)}",
                y_format="{:.1%}",
            )
        rows = [row for row in comparison.rows if row.market == market]
        markets.append({"market": market, "title": titles.get(market, market), "rows": rows, "chart": chart})
    context = {
        "form": form,
        "comparison": comparison,
        "at_label": dict(AT_CHOICES)[comparison.at].lower(),
        "markets": markets,
        "follow_cap_minutes": int(comparison.follow_cap.total_seconds() // 60),
        "lead_days": history_lead().days,
    }
    if request.htmx:
        return render(request, "stats/bookmakers.html#comparison", context)
    return render(request, "stats/bookmakers.html", context)
