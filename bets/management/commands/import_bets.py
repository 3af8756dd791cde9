import zoneinfo
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bets.imports import ImportRefused, import_bets


class Command(BaseCommand):
    help = (
        "Import bets from a CSV file (the bets export's layout, or the generic one in docs/commands.md): "
        "every line or none; a bet already stored is not written again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--timezone", default="UTC", help="of times written without an offset (default UTC)")
        parser.add_argument("--dry-run", action="store_true", help="check every line, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            zone = zoneinfo.ZoneInfo(options["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"--timezone {options['timezone']!r} is not a time zone such as Europe/London") from None
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text (byte {exc.start:,})") from None
        try:
            report = import_bets(text=text, name=path.name, via="command", zone=zone, dry_run=options["dry_run"])
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
