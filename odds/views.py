from __future__ import annotations

from collections import defaultdict

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from odds import screen, selectors
from odds.filters import OddsScreenFilter
from odds.models import H2H, Event
from web.charts import Line, line_chart
from web.http import PageRequest


@require_GET
@vary_on_headers("HX-Request")
def odds_screen(request: PageRequest) -> HttpResponse:
    """Upcoming events with every bookmaker's price against a strategy's fair price; its own HTMX
    refresh (and the filter bar's) gets the events alone. A value the filter bar cannot read is shown
    with its error, and the screen as if it were not given."""
    now = timezone.now()
    upcoming = selectors.upcoming_events(now)
    filterset = OddsScreenFilter(request.GET or None, queryset=upcoming, now=now)
    filterset.form.auto_id = "screen_%s"  # apart from the bet slip's fields (id_market…) on the same page
    valid = filterset.is_valid()
    chosen = filterset.form.cleaned_data if valid else {}
    reference = screen.reference(chosen.get("strategy"))
    market = chosen.get("market")
    bookmakers = chosen.get("bookmaker") or []
    page = screen.odds_screen(
        filterset.qs if valid else upcoming,
        now=now,
        reference=reference,
        markets=[market] if market else [],
        bookmakers=bookmakers,
        sort=chosen.get("sort") or "",
        page=request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": filterset.form,
        "screen": page,
        "reference": reference,
        "bookmakers": bookmakers,
        "query": request.GET.urlencode(),
        "paging_query": query.urlencode(),
        "now": now,
    }
    if request.htmx:
        return render(request, "odds/screen.html#screen", context)
    return render(request, "odds/screen.html", context)


def event_detail(request: PageRequest, event_id: int) -> HttpResponse:
    """Prices now and line movement; an HTMX refresh gets the prices alone."""
    event = get_object_or_404(Event.objects.select_related("sport"), pk=event_id)
    rows, bookmakers = selectors.price_table(event)
    context = {"event": event, "rows": rows, "bookmakers": bookmakers, "now": timezone.now()}
    if request.htmx:
        return render(request, "odds/event.html#prices", context)
    context["charts"] = _charts(event)
    return render(request, "odds/event.html", context)


def _charts(event: Event) -> list[tuple[str, str]]:
    series = selectors.line_movement(event, markets=[H2H])
    by_outcome: dict[str, list[Line]] = defaultdict(list)
    for item in series:
        by_outcome[item.outcome].append(Line(item.bookmaker_title, item.points))
    order = {event.home_team: 0, "Draw": 1, event.away_team: 2}
    until = min(timezone.now(), event.commence_time)
    return [
        (outcome, line_chart(lines, title=f"{outcome} price by bookmaker", until=until))
        for outcome, lines in sorted(by_outcome.items(), key=lambda kv: order.get(kv[0], 9))
    ]
