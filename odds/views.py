from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from bets.selectors import bets_on_event
from odds import movement, screen, selectors, services, store
from odds.filters import OddsScreenFilter
from odds.forms import BookmakerSettingsForm, FairPriceForm
from odds.models import MARKETS, Bookmaker, Event
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
        # A strategy chosen values the bet slip's price too; without one the slip takes the same default.
        "chosen_strategy": reference.strategy.pk if reference.strategy and chosen.get("strategy") else None,
    }
    if request.htmx:
        return render(request, "odds/screen.html#screen", context)
    return render(request, "odds/screen.html", context)


@require_GET
def event_detail(request: PageRequest, event_id: int) -> HttpResponse:
    """Prices now (at kick-off, once it has passed) and the line movement of each market's main line
    (or the line asked for: ``?spreads=-0.5``); an HTMX refresh gets the prices alone."""
    event = get_object_or_404(Event.objects.select_related("sport"), pk=event_id)
    now = timezone.now()
    started = event.commence_time <= now
    rows, bookmakers = selectors.price_table(event, at_kickoff=started)
    context = {"event": event, "rows": rows, "bookmakers": bookmakers, "now": now, "started": started}
    if request.htmx:
        return render(request, "odds/event.html#prices", context)
    context.update(_movement(request, event, now=now))
    return render(request, "odds/event.html", context)


@require_GET
def event_market(request: PageRequest, event_id: int, market: str) -> HttpResponse:
    """One market's line-movement chart, of the line asked for (``?spreads=-0.5``) or its main one:
    what the event page's line picker swaps in."""
    event = get_object_or_404(Event.objects.select_related("sport"), pk=event_id)
    if market not in dict(MARKETS):
        raise Http404(f"no market {market!r}: h2h, spreads or totals")
    now = timezone.now()
    found = _movement(request, event, now=now, market=market)
    if not found["markets"]:
        raise Http404(f"no {market} prices for this event before kick-off")
    context = {"event": event, "now": now, "started": event.commence_time <= now, "market": found["markets"][0]}
    return render(request, "odds/movement.html#market", {**context, **found})


def _movement(request: PageRequest, event: Event, *, now: datetime, market: str | None = None) -> dict[str, Any]:
    """The line movement's context: the fair price's strategy (and its form), each market's lines and
    the chart of the one shown, with the bets on it. The event's selections quoted before kick-off,
    then the history of the lines shown alone: whatever the number of lines, the same queries."""
    form = FairPriceForm(request.GET or None, auto_id="fair_%s")
    chosen = form.cleaned_data.get("strategy") if form.is_valid() else None
    reference = screen.reference(str(chosen.pk) if chosen else None)
    rules = reference.rules
    start, _ = selectors.history_window(event.commence_time)
    quoted = [
        row
        for row in store.quoted_selections(event_id=event.pk, start=start, end=event.commence_time)
        if market is None or row.market == market
    ]
    bets = [
        movement.BetMark(
            bet_id=bet.pk,
            selection_id=bet.selection_id,
            placed_at=bet.placed_at,
            price=bet.price,
            stake=bet.stake,
            bookmaker_id=bet.bookmaker_id,
            bookmaker_title=bet.bookmaker.title,
            status=bet.get_status_display(),
        )
        for bet in bets_on_event(event.pk)
    ]
    markets = movement.markets(event, quoted, bets=bets, wanted=request.GET)
    shown = [selection for m in markets for selection in m.chosen.selection_ids]
    series = selectors.line_movement(event, selection_ids=shown) if shown else []
    quoting = {book for row in quoted for book in row.bookmaker_ids}  # market best and average are none
    books = {b.pk: b for b in Bookmaker.objects.filter(pk__in=quoting | {s.bookmaker_id for s in series})}
    colours = movement.book_colours(quoting, books, rules)
    drawn = movement.charts(event, series, bookmakers=books, colours=colours, bets=bets, rules=rules, now=now)
    for m in markets:
        m.chart = drawn.get((m.market, m.chosen.line))
    strategy = "" if chosen is None else str(chosen.pk)
    return {"form": form, "reference": reference, "markets": markets, "strategy": strategy}


def _bookmaker_row(
    request: PageRequest, bookmaker: Bookmaker, form: BookmakerSettingsForm | None = None, status: int = 200
) -> HttpResponse:
    """One bookmaker's row of the settings page: as it stands, or its form (with the errors)."""
    context = {"bookmaker": bookmaker, "form": form}
    return render(request, "odds/bookmakers.html#row", context, status=status)


def _bookmakers_page(
    request: PageRequest, editing: str = "", form: BookmakerSettingsForm | None = None, status: int = 200
) -> HttpResponse:
    context = {"bookmakers": list(selectors.bookmakers()), "editing": editing, "form": form}
    return render(request, "odds/bookmakers.html", context, status=status)


@require_GET
def bookmaker_settings(request: PageRequest) -> HttpResponse:
    """Every bookmaker's account settings, each row edited in place."""
    return _bookmakers_page(request)


@require_GET
@vary_on_headers("HX-Request")
def bookmaker_edit(request: PageRequest, key: str) -> HttpResponse:
    """A bookmaker's row as a form: the row alone to HTMX, else the page with it open."""
    bookmaker = get_object_or_404(selectors.bookmakers(), key=key)
    form = BookmakerSettingsForm.for_bookmaker(bookmaker)
    if request.htmx:
        return _bookmaker_row(request, bookmaker, form)
    return _bookmakers_page(request, editing=key, form=form)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def bookmaker_save(request: PageRequest, key: str) -> HttpResponse:
    """Save a bookmaker's settings (``odds.services.update_bookmaker``): its row as it now stands, or
    the form with each error beside its field (422). GET: the row as it stands (the form's cancel)."""
    bookmaker = get_object_or_404(selectors.bookmakers(), key=key)
    if request.method == "GET":
        return _bookmaker_row(request, bookmaker) if request.htmx else redirect("bookmaker-settings")
    form = BookmakerSettingsForm.for_bookmaker(bookmaker, request.POST)
    if not form.is_valid():
        if request.htmx:
            return _bookmaker_row(request, bookmaker, form, status=422)
        return _bookmakers_page(request, editing=key, form=form, status=422)
    services.update_bookmaker(bookmaker=bookmaker, changes=form.cleaned_data)
    if request.htmx:
        return _bookmaker_row(request, bookmaker)
    messages.success(request, f"{bookmaker.title} saved.")
    return redirect("bookmaker-settings")
