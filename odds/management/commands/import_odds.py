import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from odds.ingest import ingest_snapshot, record_import
from odds.models import ODDS_API
from odds.providers.odds_api import ProviderError, parse_odds


class Command(BaseCommand):
    help = "Ingest a saved The Odds API /v4/sports/{sport}/odds response (JSON file)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--sport", required=True, help="sport key the response was requested for")

    def handle(self, *args, file: str, sport: str, **options) -> None:
        payload = _load_json(Path(file))
        try:
            snapshot = parse_odds(payload)
        except ProviderError as exc:
            raise CommandError(f"{file}: {exc}") from None
        foreign = {e.sport_key for e in snapshot.events} - {sport}
        if foreign and sport != "upcoming":
            raise CommandError(f"{file}: events of {', '.join(sorted(foreign))} in a file given as --sport {sport}")
        result = ingest_snapshot(snapshot=snapshot)
        record_import(source=ODDS_API, sport_key=sport, result=result, events=len(snapshot.events))
        for reason in result.rejected:
            self.stderr.write(f"rejected: {reason}")
        self.stdout.write(
            f"{file}: {len(snapshot.events)} events, {result.prices_seen} prices read, "
            f"{result.history_written} history rows written, {len(result.rejected)} rejected."
        )


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
