from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from odds import selectors
from odds.models import H2H, Event
from web.charts import Line, line_chart


def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
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
