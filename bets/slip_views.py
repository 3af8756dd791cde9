"""The bet slip's views: one slip, opened from a price (the odds screen, an event page), an opportunity,
the dashboard or empty with its event search (the bets page); fetched again when a choice changes, its
figures previewed as the price or stake is typed, posted through ``bets.services.place_bet``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from bets import selectors, services, slip
from bets.forms import BetForm, EventSearchForm
from bets.slip import PICKS
from odds import screen
from odds.markets import MARKET_KEYS, outcomes_of
from odds.models import Event
from odds.selectors import search_events
from web.http import PageRequest
from web.preferences import active, rounded_stake
from web.strict import PLAIN_DECIMAL

SLIP = "bets/slip.html"
BET_PLACED = "betPlaced"  # the lists that show a new bet refresh themselves on it


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def bet_new(request: PageRequest) -> HttpResponse:
    """The bet slip: posted with HTMX (its errors answered 422, beside their fields) or as a plain form;
    fetched again when a choice changes (``changed``); else opened with what its link gives."""
    now = timezone.now()
    if request.method == "POST":
        return _posted(request, now=now)
    changed = request.GET.get("changed")
    if changed in PICKS:
        return _changed(request, changed, now=now)
    initial = _initial(request)
    selected = _selected_from_initial(initial)
    prices = slip.EventPrices.of(selected.event) if selected.event else None
    if prices is not None:
        selected = slip.refill(selected, prices, "event")
        initial |= {name: getattr(selected, name) for name in (*PICKS, "price") if getattr(selected, name) is not None}
    return _slip(request, BetForm(initial=initial), selected, prices=prices, now=now)


def _posted(request: PageRequest, *, now: datetime) -> HttpResponse:
    form = BetForm(request.POST)
    valid = form.is_valid()
    selected = _selected(form.cleaned_data)  # before the service's errors take their fields out
    if valid:
        try:
            bet = services.place_bet(
                bet=form.to_input(),
                user=request.user,
                via="form",
                allow_started=form.cleaned_data["allow_started"],
                allow_over_balance=form.cleaned_data["allow_over_balance"],
            )
        except services.BetRejected as exc:
            form.add_service_errors(exc.message_dict)
        else:
            if request.htmx:
                response = render(request, f"{SLIP}#placed", {"bet": selectors.bets().get(pk=bet.pk)})
                return trigger_client_event(response, BET_PLACED, {"id": bet.pk})
            messages.success(request, f"Bet placed: {bet}.")
            return redirect("bet-list")
    return _slip(request, form, selected, now=now, status=422 if request.htmx else 200)


def _changed(request: PageRequest, changed: str, *, now: datetime) -> HttpResponse:
    """The slip again with what the bettor typed, refilled from the stored prices for the choice changed."""
    reading = BetForm(request.GET)
    selected = _selected(reading.read())
    prices = slip.EventPrices.of(selected.event) if selected.event else None
    if prices is not None:
        selected = slip.refill(selected, prices, changed)
    initial: dict[str, Any] = {name: request.GET[name] for name in reading.fields if request.GET.get(name)}
    initial |= {name: getattr(selected, name) for name in PICKS}
    if selected.price is not None:
        initial["price"] = selected.price  # else the price as typed, its error shown once posted
    if changed != "bookmaker":
        initial.pop("opportunity", None)  # another selection than the opportunity's
    return _slip(request, BetForm(initial=initial), selected, prices=prices, now=now)


def _slip(
    request: PageRequest,
    form: BetForm,
    selected: slip.Selected,
    *,
    now: datetime,
    prices: slip.EventPrices | None = None,
    status: int = 200,
) -> HttpResponse:
    """The slip as a fragment for HTMX, else its page."""
    context = slip_context(request, form, selected, now=now, prices=prices)
    template = f"{SLIP}#slip" if request.htmx else "bets/new.html"
    return render(request, template, context, status=status)


def slip_context(
    request: PageRequest,
    form: BetForm,
    selected: slip.Selected,
    *,
    now: datetime,
    prices: slip.EventPrices | None = None,
) -> dict[str, Any]:
    """What the slip shows: the form with the event's choices, the figures, the event search."""
    event = selected.event
    if event is not None and prices is None:
        prices = slip.EventPrices.of(event)
    if prices is not None:
        outcomes = outcomes_of(selected.market or "", prices.event.home_team, prices.event.away_team)
        form.offer(
            market=selected.market,
            outcomes=outcomes,
            points=prices.points(selected.market, selected.outcome),
            quoted=prices.quoted(prices.row(selected.market, selected.outcome, selected.point)),
            refresh=reverse("bet-new"),
        )
    search = EventSearchForm(request.POST if request.method == "POST" else request.GET)
    q = search.text() if event is None else ""
    context = {
        "form": form,
        "event": event,
        "started": event is not None and event.commence_time <= now,
        "selected": selected,
        "value": slip.value(selected, prices, _reference(form) if event else None, now=now),
        "q": q,
        "events": search_events(q, now=now) if q else [],
        "now": now,
        "change_event": _with_reference(reverse("bet-new"), form),
    }
    return context


def _with_reference(url: str, form: BetForm) -> str:
    """A link to the slip that keeps the strategy its figures come from."""
    chosen = form.cleaned_data.get("reference") if form.is_bound else form.initial.get("reference")
    return f"{url}?{urlencode({'reference': chosen})}" if chosen else url


def _reference(form: BetForm) -> screen.Reference:
    """The strategy whose rules value the slip's price: the one the slip names, else the default."""
    chosen = form.cleaned_data.get("reference") if form.is_bound else form.initial.get("reference")
    return screen.reference(str(chosen) if chosen else None)


def _selected(read: dict[str, Any]) -> slip.Selected:
    """The slip's selection from what a bound form could read."""
    bookmaker = read.get("bookmaker")
    return slip.Selected(
        event=read.get("event"),
        market=read.get("market"),
        outcome=read.get("outcome"),
        point=read.get("point"),
        bookmaker=bookmaker.key if bookmaker else None,
        price=read.get("price"),
        stake=read.get("stake"),
        bookmaker_title=bookmaker.title if bookmaker else "",
    )


def _selected_from_initial(initial: dict[str, Any]) -> slip.Selected:
    """The slip's selection from the values it opens with (``_initial``: decimal prices, as links give them)."""
    event = Event.objects.select_related("sport").filter(pk=initial["event"]).first() if "event" in initial else None
    market = initial.get("market")
    return slip.Selected(
        event=event,
        market=market if market in MARKET_KEYS else None,
        outcome=initial.get("outcome"),
        point=initial.get("point"),
        bookmaker=initial.get("bookmaker"),
        price=initial.get("price"),
        stake=initial.get("stake") if isinstance(initial.get("stake"), Decimal) else None,
    )


@require_GET
def bet_preview(request: PageRequest) -> HttpResponse:
    """The slip's figures for what it holds now: fetched as the price or stake is typed."""
    form = BetForm(request.GET)
    selected = _selected(form.read())
    prices = slip.EventPrices.of(selected.event) if selected.event else None
    value = slip.value(selected, prices, _reference(form) if prices else None, now=timezone.now())
    price_error = " ".join(str(error) for error in form.errors.get("price", [])) if request.GET.get("price") else ""
    context = {"value": value, "selected": selected, "price_error": price_error}
    return render(request, f"{SLIP}#value", context)


@require_GET
def bet_event_search(request: PageRequest) -> HttpResponse:
    """The slip's event search: events to come and lately started whose teams or league match."""
    now = timezone.now()
    q = EventSearchForm(request.GET).text()
    context = {"q": q, "events": search_events(q, now=now) if q else [], "now": now}
    return render(request, f"{SLIP}#events", context)


def _initial(request: HttpRequest) -> dict[str, Any]:
    from opportunities import selectors as opportunity_selectors

    opportunity_id = request.GET.get("opportunity")
    if opportunity_id and opportunity_id.isdigit():
        o = opportunity_selectors.opportunities(active=None).filter(pk=int(opportunity_id)).first()
        if o:
            return {
                "event": o.event_id,
                "market": o.market,
                "outcome": o.outcome,
                "point": o.point,
                "bookmaker": o.bookmaker.key,
                "price": o.price,
                # What the opportunities list suggests: less what is already staked on the selection.
                "stake": rounded_stake(o.remaining_stake, active().stake_rounding) or None,
                "opportunity": o.pk,
                "reference": o.strategy_id,
            }
    initial: dict[str, Any] = {}
    reference = request.GET.get("reference", "")
    if reference.isascii() and reference.isdigit():
        initial["reference"] = int(reference)
    event_id = request.GET.get("event")
    if not (event_id and event_id.isascii() and event_id.isdigit()):
        return initial
    # A price chosen on the odds screen, as given: the form checks every field when it is posted.
    initial["event"] = int(event_id)
    initial |= {name: request.GET[name] for name in ("market", "outcome", "bookmaker") if request.GET.get(name)}
    for name in ("point", "price"):
        if PLAIN_DECIMAL.fullmatch(request.GET.get(name, "")):
            initial[name] = Decimal(request.GET[name])
    return initial
