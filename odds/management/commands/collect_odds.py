from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds.collector import collect_sport, sports_to_collect
from odds.models import CollectorRun


class Command(BaseCommand):
    help = "Collect odds from The Odds API now (one sport, or every sport switched on for collection)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sport", help="sport key, e.g. soccer_epl")

    def handle(self, *args: Any, sport: str | None, **options: Any) -> None:
        failed = False
        for key in [sport] if sport else sports_to_collect():
            run = collect_sport(sport_key=key).run
            credits = f", {run.credits_remaining} credits left" if run.credits_remaining is not None else ""
            if run.status == CollectorRun.OK:
                self.stdout.write(
                    f"{key}: {run.events_seen} events, {run.prices_seen} prices, "
                    f"{run.history_written} history rows, {run.rejected} rejected{credits}."
                )
            else:
                failed = True
                self.stderr.write(f"{key}: {run.status}: {run.error}")
        if failed:
            raise CommandError("collection did not complete; see above")
