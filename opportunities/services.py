"""What a bettor writes about opportunities: the ones they hide, and when they last looked at the list."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from opportunities.models import HiddenOpportunity, Opportunity
from web.models import Preferences


def hide_opportunity(*, user_id: int, opportunity: Opportunity) -> HiddenOpportunity:
    """Hide the opportunity's selection at its bookmaker from this bettor's list, whichever strategy
    finds it, now and after detection finds it again; hiding it twice keeps the first."""
    hidden, _ = HiddenOpportunity.objects.get_or_create(
        user_id=user_id, selection_id=opportunity.selection_id, bookmaker_id=opportunity.bookmaker_id
    )
    return hidden


def unhide_opportunity(*, user_id: int, hidden_id: int) -> HiddenOpportunity | None:
    """Show it again; None when this bettor has no such hidden row (another's, or already shown)."""
    hidden = HiddenOpportunity.objects.filter(user_id=user_id, pk=hidden_id).select_related("bookmaker").first()
    if hidden is not None:
        hidden.delete()
    return hidden


def record_visit(*, user_id: int, at: datetime) -> None:
    """The bettor opened the opportunities list at ``at``: what was detected after their previous
    visit is new until the next one. One query once their preferences row exists."""
    # PostgreSQL reads every SET expression from the row as it was: the previous visit moves back.
    updated = Preferences.objects.filter(user_id=user_id).update(
        opportunities_new_after=F("opportunities_visited_at"), opportunities_visited_at=at
    )
    if not updated:
        Preferences.objects.bulk_create(
            [Preferences(user_id=user_id, opportunities_visited_at=at)], ignore_conflicts=True
        )
