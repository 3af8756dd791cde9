"""Reads over opportunities shared by the page and the API: one query per list."""

from __future__ import annotations

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


def opportunities(*, active: bool | None = True) -> QuerySet[Opportunity]:
    """Opportunities with what their rows show (active ones, expired ones, or with ``None`` both), by
    edge: one query. The lists filter and order them with ``opportunities.filters``."""
    queryset = Opportunity.objects.select_related("event__sport", "bookmaker", "strategy")
    if active is True:
        queryset = queryset.active()
    elif active is False:
        queryset = queryset.filter(expired_at__isnull=False)
    return queryset.order_by(*ORDERINGS["edge"])


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
