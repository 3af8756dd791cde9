from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds.management.commands.import_odds import _load_json
from odds.providers.odds_api import ProviderError, parse_scores
from odds.scores import ingest_scores


class Command(BaseCommand):
    help = "Ingest a saved The Odds API /v4/sports/{sport}/scores response (JSON file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--sport", required=True)

    def handle(self, *args: Any, file: str, sport: str, **options: Any) -> None:
        try:
            updates, rejected = parse_scores(_load_json(Path(file)))
        except ProviderError as exc:
            raise CommandError(f"{file}: {exc}") from None
        updates = [u for u in updates if u.sport_key == sport]
        result = ingest_scores(updates=updates)
        for reason in rejected:
            self.stderr.write(f"rejected: {reason}")
        self.stdout.write(
            f"{file}: {len(updates)} events read, {result.updated} updated ({result.created} new), "
            f"{len(result.completed_ids)} completed, {len(rejected)} rejected."
        )
