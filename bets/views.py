from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from bets import selectors, services, slip
from bets.closing import clv_by_method
from bets.filters import BetFilter
from bets.forms import BetForm, EventSearchForm, LedgerForm, SettleForm
from bets.models import Bet, LedgerEntry
from bets.slip import PICKS
from odds import screen
from odds.markets import MARKET_KEYS, outcomes_of
from odds.models import Event
from odds.selectors import search_events
from opportunities.pricing import METHODS
from web.http import PageRequest
from web.preferences import active, rounded_stake
from web.strict import PLAIN_DECIMAL


def _filtered(request: HttpRequest) -> tuple[BetFilter, QuerySet[Bet]]:
    """The filter bar and its bets; a value it cannot read shows every bet, as the page always has."""
    all_bets = selectors.bets()
    filterset = BetFilter(request.GET or None, queryset=all_bets)
    return filterset, filterset.qs if filterset.is_valid() else all_bets


@require_GET
@vary_on_headers("HX-Request")
def bet_list(request: PageRequest) -> HttpResponse:
    """The bets, filtered, with their totals, the bankroll, the ledger and the bet slip; each part that
    refreshes itself (``PARTS``) is answered alone to HTMX."""
    filterset, queryset = _filtered(request)
    filterset.form.auto_id = "filter_%s"  # apart from the bet slip's fields (id_bookmaker…) on the same page
    part = PARTS.get(request.htmx.target or "") if request.htmx else None
    if part == "totals":
        context = {"totals": selectors.totals(queryset), "query": request.GET.urlencode()}
        return render(request, "bets/list.html#totals", context)
    if part == "bankroll":
        return render(request, "bets/list.html#bankroll", {"bankroll": selectors.bankroll()})
    context = {
        "filters": filterset.form,
        "filtered": any(filterset.form.data.get(name) for name in filterset.form.fields),
        "page": Paginator(queryset, 50).get_page(request.GET.get("page")),
        "totals": selectors.totals(queryset),
        "query": request.GET.urlencode(),
        "statuses": Bet.STATUSES,
    }
    if part == "bets":
        return render(request, "bets/list.html#bets", context)
    context.update(
        bankroll=selectors.bankroll(),
        ledger=list(LedgerEntry.objects.select_related("bookmaker")[:10]),
        ledger_form=LedgerForm(auto_id="ledger_%s"),
        **_slip_context(request, BetForm(), slip.Selected(), now=timezone.now()),
    )
    return render(request, "bets/list.html", context)


# The parts of the bets page that refresh themselves, by their id (HTMX's target) and partial: a bet
# placed refreshes the list and the bankroll, an inline settle the totals and the bankroll.
PARTS = {"bets": "bets", "bet-totals": "totals", "bankroll": "bankroll"}


@require_GET
def bet_detail(request: HttpRequest, bet_id: int) -> HttpResponse:
    """One bet: its terms, result and closing line, its CLV under every devig method, and where the
    closing fair price came from (one click away)."""
    bet = get_object_or_404(selectors.bets(), pk=bet_id)
    return render(request, "bets/detail.html", {"bet": bet, "closing": selectors.closing(bet)})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def bet_new(request: PageRequest) -> HttpResponse:
    """The bet slip: opened from a price (the odds screen, an event page), an opportunity or empty, with
    the event search; fetched again when a choice changes (``changed``); posted with HTMX (its errors
    answered 422, beside their fields) or as a plain form."""
    now = timezone.now()
    if request.method == "POST":
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
    changed = request.GET.get("changed")
    if changed in PICKS:
        # A choice changed: the slip again with what the bettor typed, refilled from the stored prices.
        reading = BetForm(request.GET)
        read = reading.read()
        selected = _selected(read)
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
    initial = _initial(request)
    selected = _selected_from_initial(initial)
    prices = slip.EventPrices.of(selected.event) if selected.event else None
    if prices is not None:
        selected = slip.refill(selected, prices, "event")
        initial |= {name: getattr(selected, name) for name in (*PICKS, "price") if getattr(selected, name) is not None}
    return _slip(request, BetForm(initial=initial), selected, prices=prices, now=now)


SLIP = "bets/slip.html"
BET_PLACED = "betPlaced"  # the lists that show a new bet refresh themselves on it


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
    context = _slip_context(request, form, selected, now=now, prices=prices)
    template = f"{SLIP}#slip" if request.htmx else "bets/new.html"
    return render(request, template, context, status=status)


def _slip_context(
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


@require_POST
def bet_settle(request: PageRequest, bet_id: int) -> HttpResponse:
    bet = get_object_or_404(Bet, pk=bet_id)
    form = SettleForm(request.POST)
    if not form.is_valid():
        return HttpResponse(f"unknown status {request.POST.get('status')!r}", status=400)
    services.settle_bet(bet=bet, status=form.cleaned_data["status"], user=request.user, via="form")
    if request.htmx:
        bet = selectors.bets().get(pk=bet.pk)
        response = render(request, "bets/list.html#row", {"bet": bet, "statuses": Bet.STATUSES})
        return trigger_client_event(response, "betSettled", {"id": bet.pk})
    messages.success(request, f"Bet {bet.pk} settled as {form.cleaned_data['status']}.")
    return redirect("bet-list")


@require_POST
def ledger_add(request: HttpRequest) -> HttpResponse:
    form = LedgerForm(request.POST)
    if form.is_valid():
        try:
            entry = services.add_ledger_entry(
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                at=form.cleaned_data.get("at"),
                note=form.cleaned_data["note"],
                bookmaker=form.cleaned_data["bookmaker"].key if form.cleaned_data["bookmaker"] else None,
            )
        except services.BetRejected as exc:
            messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
        else:
            messages.success(request, f"Recorded {entry.kind} of {entry.amount}.")
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items()))
    return redirect("bet-list")


class _Echo:
    def write(self, value: str) -> str:
        return value


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return: OWASP's list), prefixed with a single quote so it shows as text. Numbers, and
    text that is a plain number such as -12.50, stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not PLAIN_DECIMAL.fullmatch(cell):
        return "'" + cell
    return cell


@require_GET
def bet_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered bets as CSV, streamed: every column a bettor's spreadsheet needs."""
    _, queryset = _filtered(request)
    header = [
        "id",
        "placed_at",
        "sport",
        "event",
        "commence_time",
        "market",
        "outcome",
        "point",
        "bookmaker",
        "price",
        "stake",
        "status",
        "profit",
        "closing_price",
        "clv",
        "closing_note",
        "closing_reference",
        "closing_seen_at",
        "closing_age_minutes",
        "closing_point",
        "closing_method",
        *(f"clv_{method}" for method in METHODS),
        "strategy",
        "notes",
    ]
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for bet in queryset.iterator(chunk_size=2000):
            yield writer.writerow(
                spreadsheet_safe(cell)
                for cell in [
                    bet.pk,
                    bet.placed_at.isoformat(),
                    bet.event.sport.key,
                    str(bet.event),
                    bet.event.commence_time.isoformat(),
                    bet.market,
                    bet.outcome,
                    "" if bet.point is None else bet.point,
                    bet.bookmaker.key,
                    bet.price,
                    bet.stake,
                    bet.status,
                    "" if bet.profit is None else bet.profit,
                    "" if bet.closing_price is None else bet.closing_price,
                    "" if bet.clv is None else bet.clv,
                    bet.closing_note,
                    bet.closing_reference.key if bet.closing_reference else "",
                    "" if bet.closing_seen_at is None else bet.closing_seen_at.isoformat(),
                    "" if bet.closing_age is None else bet.closing_age.total_seconds() / 60,
                    "" if bet.closing_point is None else bet.closing_point,
                    bet.closing_method,
                    *("" if clv is None else clv for clv in clv_by_method(bet).values()),
                    bet.strategy_name,
                    bet.notes,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="monps-bets.csv"'
    return response
