import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds.ingest import record_import
from odds.models import ODDS_API
from odds.providers.odds_api import ProviderError, ingest_odds
from web.strict import MAX_JSON_DEPTH, nested_deeper_than


class Command(BaseCommand):
    help = "Ingest a saved The Odds API /v4/sports/{sport}/odds response (JSON file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--sport", required=True, help="sport key the response was requested for")

    def handle(self, *args: Any, file: str, sport: str, **options: Any) -> None:
        payload = _load_json(Path(file))
        foreign = (
            {e.get("sport_key") for e in payload if isinstance(e, dict)} - {sport}
            if isinstance(payload, list)
            else set()
        )
        if foreign and sport != "upcoming":
            raise CommandError(
                f"{file}: events of {', '.join(sorted(map(str, foreign)))} in a file given as --sport {sport}"
            )
        try:
            snapshot, result = ingest_odds(payload)
        except ProviderError as exc:
            raise CommandError(f"{file}: {exc}") from None
        record_import(source=ODDS_API, sport_key=sport, result=result, events=len(snapshot.events))
        for reason in result.rejected:
            self.stderr.write(f"rejected: {reason}")
        self.stdout.write(
            f"{file}: {len(snapshot.events)} events, {result.prices_seen} prices read, "
            f"{result.history_written} history rows written, {len(result.rejected)} rejected."
        )


def _load_json(path: Path) -> object:
    """The file's JSON, or a CommandError naming the file: a response is a few levels deep, and
    ``json`` raises RecursionError near 1,000 (see ``web.strict``)."""
    too_deep = CommandError(f"{path}: not valid JSON (nested deeper than {MAX_JSON_DEPTH} levels)")
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise too_deep from None
    if nested_deeper_than(payload):
        raise too_deep
    return payload
