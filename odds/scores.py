"""Scores: mark events completed with their final score, so bets can be settled."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from odds.models import ODDS_API, Event, Sport
from odds.providers.odds_api import ScoreUpdate


@dataclass
class ScoresResult:
    updated: int = 0
    created: int = 0
    completed_ids: list[int] = field(default_factory=list)


def ingest_scores(*, updates: list[ScoreUpdate], source: str = ODDS_API) -> ScoresResult:
    """Apply score updates; events not seen before are created. Idempotent."""
    result = ScoresResult()
    if not updates:
        return result
    now = timezone.now()
    with transaction.atomic():
        sports = {}
        for update in updates:
            if update.sport_key not in sports:
                sports[update.sport_key], _ = Sport.objects.get_or_create(
                    key=update.sport_key, defaults={"title": update.sport_title or update.sport_key}
                )
        existing = {
            e.provider_id: e
            for e in Event.objects.select_for_update().filter(
                source=source, provider_id__in=[u.provider_id for u in updates]
            )
        }
        changed, created = [], []
        for update in updates:
            event = existing.get(update.provider_id)
            if event is None:
                event = Event(
                    source=source,
                    provider_id=update.provider_id,
                    sport=sports[update.sport_key],
                    home_team=update.home_team,
                    away_team=update.away_team,
                    commence_time=update.commence_time,
                )
                created.append(event)
            before = (event.home_score, event.away_score, event.completed)
            if update.home_score is not None and update.away_score is not None:
                event.home_score, event.away_score = update.home_score, update.away_score
            # Completed only with a final score: a bet is never settled on a missing one.
            event.completed = event.completed or (update.completed and event.has_result)
            if (event.home_score, event.away_score, event.completed) != before and event.pk:
                event.scores_updated_at = now
                changed.append(event)
            elif event.pk is None:
                event.scores_updated_at = now if event.has_result else None
        Event.objects.bulk_create(created)
        Event.objects.bulk_update(changed, ["home_score", "away_score", "completed", "scores_updated_at"])
        result.created, result.updated = len(created), len(changed) + len(created)
        result.completed_ids = sorted(e.pk for e in [*changed, *created] if e.completed)
    return result
