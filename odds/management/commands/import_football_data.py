import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds.ingest import ingest_snapshot, record_import
from odds.models import FOOTBALL_DATA
from odds.providers.football_data import iter_csv, iter_files, read_text


class Command(BaseCommand):
    help = "Ingest football-data.co.uk CSV files (or folders of them): events, results, opening and closing prices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+")

    def handle(self, *args: Any, files: list[str], **options: Any) -> None:
        paths = list(iter_files(files))
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}")
        if not paths:
            raise CommandError(f"no .csv file in {', '.join(files)}")
        totals = [0, 0, 0, 0]
        for number, path in enumerate(paths, 1):
            counts = self._import(path)
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            self._progress(number, len(paths), path.name)
        if len(paths) > 1:
            self.stdout.write(
                f"total: {totals[0]} rows, {totals[1]} prices read, {totals[2]} history rows written, "
                f"{totals[3]} rows skipped."
            )

    def _import(self, path: Path) -> tuple[int, int, int, int]:
        """Import one file part by part (each its own transaction; importing again adds nothing)."""
        rows = events = prices = written = skipped = 0
        for part in iter_csv(read_text(path), name=path.name):
            result = ingest_snapshot(snapshot=part.snapshot)
            sport = part.snapshot.events[0].sport_key if part.snapshot.events else ""
            record_import(source=FOOTBALL_DATA, sport_key=sport, result=result, events=len(part.snapshot.events))
            for reason in result.rejected:
                self.stderr.write(f"skipped: {reason}")
            for reason in part.dropped:
                self.stderr.write(f"dropped: {reason}")
            rows, events, prices = rows + part.rows, events + result.events, prices + result.prices_seen
            written, skipped = written + result.history_written, skipped + part.rows - result.events
        self.stdout.write(
            f"{path}: {rows} rows, {events} events, {prices} prices read, "
            f"{written} history rows written, {skipped} rows skipped."
        )
        return rows, prices, written, skipped

    def _progress(self, done: int, total: int, name: str) -> None:
        if sys.stderr.isatty():
            width = 30
            filled = width * done // total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:40.40}")
            if done == total:
                sys.stderr.write("\n")
