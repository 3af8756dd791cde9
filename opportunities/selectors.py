"""Reads over opportunities shared by the page and the API: one query per list."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from opportunities.models import Opportunity, Surebet

ORDERINGS = {
    "edge": ["-edge", "-id"],
    "-edge": ["-edge", "-id"],
    "detected": ["-detected_at", "-id"],
    "-detected_at": ["-detected_at", "-id"],
    "detected_at": ["detected_at", "id"],
    "kickoff": ["event__commence_time", "-edge"],
}


def opportunities(
    *,
    active: bool | None = True,
    sport: str | None = None,
    market: str | None = None,
    bookmaker: str | None = None,
    min_edge: Decimal | None = None,
    strategy: str | None = None,
    ordering: str = "edge",
) -> QuerySet[Opportunity]:
    queryset = Opportunity.objects.select_related("event__sport", "bookmaker", "strategy")
    if active is True:
        queryset = queryset.filter(expired_at__isnull=True)
    elif active is False:
        queryset = queryset.filter(expired_at__isnull=False)
    if sport:
        queryset = queryset.filter(event__sport__key=sport)
    if market:
        queryset = queryset.filter(market=market)
    if bookmaker:
        queryset = queryset.filter(bookmaker__key=bookmaker)
    if min_edge is not None:
        queryset = queryset.filter(edge__gte=min_edge)
    if strategy:
        queryset = (
            queryset.filter(strategy__pk=int(strategy))
            if strategy.isdigit()
            else queryset.filter(strategy__name=strategy)
        )
    return queryset.order_by(*ORDERINGS.get(ordering, ORDERINGS["edge"]))


def top(n: int = 10) -> list[Opportunity]:
    return list(opportunities(active=True)[:n])


def active_surebets(limit: int = 50) -> list[Surebet]:
    surebets = list(Surebet.objects.active().select_related("event__sport").order_by("-locked_return")[:limit])
    from odds.models import Bookmaker

    names = dict(Bookmaker.objects.values_list("id", "title"))
    for surebet in surebets:
        for leg in surebet.legs:
            leg["bookmaker"] = names.get(leg["bookmaker_id"], str(leg["bookmaker_id"]))
    return surebets
