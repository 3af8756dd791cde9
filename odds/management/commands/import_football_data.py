import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds.ingest import ingest_snapshot, record_import
from odds.models import FOOTBALL_DATA
from odds.providers.football_data import iter_files, parse_file


class Command(BaseCommand):
    help = "Ingest football-data.co.uk CSV files (or folders of them): events, results, opening and closing prices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files: list[str], **options) -> None:
        paths = list(iter_files(files))
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        totals = [0, 0, 0, 0]
        for number, path in enumerate(paths, 1):
            parsed = parse_file(path)
            result = ingest_snapshot(snapshot=parsed.snapshot)
            sport = parsed.snapshot.events[0].sport_key if parsed.snapshot.events else ""
            record_import(source=FOOTBALL_DATA, sport_key=sport, result=result, events=len(parsed.snapshot.events))
            for reason in parsed.skipped:
                self.stderr.write(f"skipped: {reason}")
            totals = [
                a + b
                for a, b in zip(
                    totals, (parsed.rows, result.prices_seen, result.history_written, len(parsed.skipped)), strict=True
                )
            ]
            self._progress(number, len(paths), path.name)
            self.stdout.write(
                f"{path}: {parsed.rows} rows, {result.events} events, {result.prices_seen} prices read, "
                f"{result.history_written} history rows written, {len(parsed.skipped)} rows skipped."
            )
        if len(paths) > 1:
            self.stdout.write(
                f"total: {totals[0]} rows, {totals[1]} prices read, {totals[2]} history rows written, "
                f"{totals[3]} rows skipped."
            )

    def _progress(self, done: int, total: int, name: str) -> None:
        if sys.stderr.isatty():
            width = 30
            filled = width * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:40.40}")
            if done == total:
                sys.stderr.write("\n")
