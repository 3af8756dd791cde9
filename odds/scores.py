"""Scores: mark events completed with their final score, so bets can be settled."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from odds import services
from odds.ingest import EventOdds, stored_events
from odds.models import ODDS_API
from odds.providers.odds_api import ScoreUpdate


@dataclass
class ScoresResult:
    updated: int = 0
    created: int = 0
    completed_ids: list[int] = field(default_factory=list)


def ingest_scores(*, updates: list[ScoreUpdate], source: str = ODDS_API) -> ScoresResult:
    """Apply score updates through the events service (completed only with a final score); events not
    seen before are created. Idempotent."""
    events = [
        EventOdds(
            source=source,
            provider_id=u.provider_id,
            sport_key=u.sport_key,
            sport_title=u.sport_title,
            home_team=u.home_team,
            away_team=u.away_team,
            commence_time=u.commence_time,
            home_score=u.home_score,
            away_score=u.away_score,
            completed=u.completed,
        )
        for u in updates
    ]
    with transaction.atomic():
        stored = stored_events(source=source, provider_ids=[e.provider_id for e in events])
        written = services.upsert_events(events=events)
    created = {pk for (_, provider_id), pk in written.ids.items() if provider_id not in stored}
    return ScoresResult(
        updated=len(created | set(written.results_changed)),
        created=len(created),
        completed_ids=written.completed,
    )
