from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from bets import selectors, services, slip
from bets.closing import clv_by_method
from bets.filters import BetFilter
from bets.forms import BetForm, LedgerForm, SettleForm
from bets.models import Bet, LedgerEntry
from bets.slip_views import slip_context
from opportunities.pricing import METHODS
from web.http import PageRequest
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
        **slip_context(request, BetForm(), slip.Selected(), now=timezone.now()),
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
