from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from bets import selectors, services
from bets.closing import clv_by_method
from bets.filters import BetFilter
from bets.forms import BetForm, LedgerForm, SettleForm
from bets.models import Bet, LedgerEntry
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
def bet_list(request: PageRequest) -> HttpResponse:
    filterset, queryset = _filtered(request)
    context = {
        "form": filterset.form,
        "page": Paginator(queryset, 50).get_page(request.GET.get("page")),
        "totals": selectors.totals(queryset),
        "query": request.GET.urlencode(),
        "statuses": Bet.STATUSES,
    }
    if request.htmx and request.htmx.target == "bets":
        return render(request, "bets/list.html#bets", context)
    # Only the full page shows the bankroll and the ledger.
    context.update(
        bankroll=selectors.bankroll(),
        ledger=list(LedgerEntry.objects.select_related("bookmaker")[:10]),
        ledger_form=LedgerForm(),
    )
    return render(request, "bets/list.html", context)


@require_GET
def bet_detail(request: HttpRequest, bet_id: int) -> HttpResponse:
    """One bet: its terms, result and closing line, its CLV under every devig method, and where the
    closing fair price came from (one click away)."""
    bet = get_object_or_404(selectors.bets(), pk=bet_id)
    return render(request, "bets/detail.html", {"bet": bet, "closing": selectors.closing(bet)})


def bet_new(request: PageRequest) -> HttpResponse:
    """The bet form: pre-filled from an opportunity, posted with HTMX or as a plain form."""
    if request.method == "POST":
        form = BetForm(request.POST)
        if form.is_valid():
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
                    response = render(request, "bets/placed.html", {"bet": bet})
                    return trigger_client_event(response, "betPlaced", {"id": bet.pk})
                messages.success(request, f"Bet placed: {bet}.")
                return redirect("bet-list")
        status = 422 if request.htmx else 200
        return render(request, "bets/form.html" if request.htmx else "bets/new.html", {"form": form}, status=status)
    form = BetForm(initial=_initial(request))
    return render(request, "bets/form.html" if request.htmx else "bets/new.html", {"form": form})


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
            }
    event_id = request.GET.get("event")
    if not (event_id and event_id.isascii() and event_id.isdigit()):
        return {}
    # A price chosen on the odds screen, as given: the form checks every field when it is posted.
    initial: dict[str, Any] = {"event": int(event_id)}
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
