"""/backtest/: start a run, follow its progress, read its figures, run it again, compare runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from odds.models import Bookmaker
from opportunities import backtest_runs
from opportunities.backtest_figures import DIMENSIONS
from opportunities.backtest_forms import BacktestForm, CompareForm
from opportunities.backtest_runs import BacktestRejected
from opportunities.models import BacktestRun
from web.charts import Line, line_chart
from web.http import PageRequest

DIMENSION_TITLES = {
    "league": "League",
    "bookmaker": "Bookmaker",
    "market": "Market",
    "price_band": "Price band",
    "edge_band": "Edge band",
}
HEAT_LEVELS = 7  # heat-0 (worst) to heat-6 (best): monps.css


@require_http_methods(["GET", "HEAD", "POST"])
def backtest_page(request: PageRequest) -> HttpResponse:
    """The form to start a run, and the saved runs (tick two to four to compare them)."""
    form = BacktestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = backtest_runs.start_backtest(request=form.run_request(), user=request.user)
        except BacktestRejected as exc:
            form.add_service_errors(exc.message_dict)
        else:
            return redirect("backtest-run", run_id=run.pk)
    page = Paginator(BacktestRun.objects.select_related("strategy"), 25).get_page(request.GET.get("page"))
    return render(request, "opportunities/backtests.html", {"form": form, "page": page})


@require_safe
def backtest_run(request: PageRequest, run_id: int) -> HttpResponse:
    """One run: a progress bar while it runs (HTMX polls ``#run``), then its figures."""
    run = get_object_or_404(BacktestRun.objects.select_related("strategy"), pk=run_id)
    context = run_context(run)
    if request.htmx:
        return render(request, "opportunities/backtest_run.html#run", context)
    return render(request, "opportunities/backtest_run.html", context)


@require_POST
def backtest_again(request: PageRequest, run_id: int) -> HttpResponse:
    """The same parameters and rules run again: the same figures on the same history."""
    get_object_or_404(BacktestRun, pk=run_id)
    run = backtest_runs.rerun_backtest(run_id=run_id, user=request.user)
    messages.success(request, f"Run {run_id} started again as run {run.pk}.")
    return redirect("backtest-run", run_id=run.pk)


@require_safe
def backtest_compare(request: PageRequest) -> HttpResponse:
    """Two to four finished runs side by side: figures, curves on one chart, breakdowns."""
    form = CompareForm(request.GET)
    if not form.is_valid():
        for error in form.errors.get("runs", []):
            messages.error(request, f"Compare: {error}")
        return redirect("backtest")
    runs: list[BacktestRun] = form.cleaned_data["runs"]
    titles = _book_titles()
    columns = [{"run": run, "label": f"#{run.pk} {run.strategy_name}", **_parameters(run)} for run in runs]
    lines = [Line(column["label"], _points(column["run"])) for column in columns]
    context = {
        "columns": columns,
        "chart": line_chart(lines, title="Bankroll of each run", y_format="{:,.0f}"),
        "breakdowns": [
            {"name": DIMENSION_TITLES[name], "rows": _side_by_side(runs, name, titles)} for name in DIMENSIONS
        ],
    }
    return render(request, "opportunities/backtest_compare.html", context)


def run_context(run: BacktestRun) -> dict[str, Any]:
    context: dict[str, Any] = {"run": run, **_parameters(run)}
    if run.grid:
        context["grid_axes"] = " × ".join(
            f"{name.replace('_', ' ')} {', '.join(str(v) for v in values)}" for name, values in run.grid["axes"].items()
        )
    if run.status != BacktestRun.FINISHED:
        return context
    titles = _book_titles()
    context["chart"] = line_chart(
        [Line("Bankroll", _points(run))], title="Bankroll after each result", y_format="{:,.0f}"
    )
    context["breakdowns"] = [
        {"name": DIMENSION_TITLES[name], "rows": _titled(run.breakdowns.get(name, []), name, titles)}
        for name in DIMENSIONS
    ]
    if run.grid:
        context["heatmaps"] = heatmaps(run.grid)
        best = run.grid["best"]
        if best is not None:
            cell = context["grid_best"] = run.grid["cells"][best]
            context["grid_p"] = {
                "clv": p_text(cell["clv_p_value"]),
                "clv_holm": p_text(cell["clv_p_holm"]),
                "profit": p_text(cell["profit_p_value"]),
                "profit_holm": p_text(cell["profit_p_holm"]),
            }
    return context


def p_text(value: float | None) -> str:
    """A p-value as the pages write it: four places, or "below 0.0001"; "n/a" when there is none."""
    if value is None:
        return "n/a"
    return "below 0.0001" if value < 0.0001 else f"{value:.4f}"


def _parameters(run: BacktestRun) -> dict[str, Any]:
    """What a run replays, in words."""
    p = run.parameters
    rules = run.rules["strategy"]
    when = (
        "at each line's opening" if p["bet_at"] == backtest_runs.OPENING else f"{p['lead_hours']:g} h before kick-off"
    )
    if p["staking"] == backtest_runs.KELLY:
        staking = f"Kelly × {p['kelly_fraction']:g} of a {p['bankroll']:,.0f} bankroll"
        if rules["max_stake_share"] is not None:
            staking += f", at most {rules['max_stake_share']:.0%} a bet"
    else:
        staking = f"flat {p['flat_stake']:g} a bet from {p['bankroll']:,.0f}"
    dates = " to ".join(d for d in (p["date_from"], p["date_to"]) if d) or "all dates"
    best_cell = ""
    if run.grid and run.grid["best"] is not None:
        cell = run.grid["cells"][run.grid["best"]]
        kelly = "flat" if cell["kelly_fraction"] is None else f"Kelly × {cell['kelly_fraction']:g}"
        best_cell = f"min edge {cell['min_edge']:.1%}, {kelly}, {cell['method'].replace('_', ' ')}"
    return {
        "best_cell": best_cell,
        "when": when,
        "staking": staking,
        "dates": dates,
        "sport": p["sport"] or "every sport of the strategy",
        "rules_text": (
            f"{rules['method'].replace('_', ' ')} devig, fair price from "
            f"{rules['reference_name'] or 'the consensus'}, min edge {rules['min_edge']:.1%}, "
            f"prices {rules['min_price']:g}–{rules['max_price']:g}, {', '.join(rules['markets'])}"
        ),
        "adjusted": p["rules"],
    }


def _points(run: BacktestRun) -> list[tuple[datetime, float]]:
    return [(datetime.fromisoformat(at), balance) for at, balance in run.curve]


def _book_titles() -> dict[str, str]:
    return dict(Bookmaker.objects.values_list("key", "title"))


def _titled(rows: list[dict[str, Any]], name: str, titles: dict[str, str]) -> list[dict[str, Any]]:
    if name != "bookmaker":
        return rows
    return [{**row, "key": titles.get(row["key"], row["key"])} for row in rows]


def _side_by_side(runs: list[BacktestRun], name: str, titles: dict[str, str]) -> list[dict[str, Any]]:
    """One row per key found in any run's breakdown, each run's figures (or None) beside it, in the
    first run's order and then the others'."""
    keys: dict[str, None] = {}
    found = []
    for run in runs:
        rows = {row["key"]: row for row in _titled(run.breakdowns.get(name, []), name, titles)}
        found.append(rows)
        keys.update(dict.fromkeys(rows))
    return [{"key": key, "cells": [rows.get(key) for rows in found]} for key in keys]


METRICS = [
    ("yield", "Yield", True),
    ("average_clv", "Average CLV", True),
    ("max_drawdown", "Max drawdown", False),
]


def heatmaps(grid: dict[str, Any]) -> list[dict[str, Any]]:
    """A grid's cells as tables, one per devig method and figure: minimum edge down, Kelly fraction
    across, each cell shaded from worst to best among its table (``heat-0`` to ``heat-6``)."""
    cells = grid["cells"]
    best = grid["best"]
    methods = list(dict.fromkeys(c["method"] for c in cells))
    edges = sorted({c["min_edge"] for c in cells})
    fractions = list(dict.fromkeys(c["kelly_fraction"] for c in cells))
    maps = []
    for method in methods:
        for key, title, higher_is_better in METRICS:
            by_place = {
                (c["min_edge"], c["kelly_fraction"]): (i, c) for i, c in enumerate(cells) if c["method"] == method
            }
            values = [c[key] for _, c in by_place.values() if c[key] is not None]
            low, high = (min(values), max(values)) if values else (0.0, 0.0)
            rows = []
            for edge in edges:
                row = []
                for fraction in fractions:
                    index, cell = by_place[(edge, fraction)]
                    value = cell[key]
                    level = None
                    if value is not None:
                        share = 0.5 if high == low else (value - low) / (high - low)
                        level = round((share if higher_is_better else 1 - share) * (HEAT_LEVELS - 1))
                    row.append(
                        {
                            "cell": cell,
                            "value": value,
                            "level": level,
                            "best": index == best,
                            "p": p_text(cell["clv_p_value"]),
                            "p_holm": p_text(cell["clv_p_holm"]),
                        }
                    )
                rows.append({"min_edge": edge, "cells": row})
            maps.append({"method": method, "key": key, "title": title, "fractions": fractions, "rows": rows})
    return maps
