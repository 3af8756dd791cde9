import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Benchmarks against the machine's own limits (BENCH_SCALE=small|large). Builds its own data: "
    help += "run it on a database of its own (make bench does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "small"), choices=["small", "large"])
        parser.add_argument("--yes", action="store_true", help="allow running on a database that has bets")

    def handle(self, *args: Any, scale: str, yes: bool, **options: Any) -> None:
        from django.db import connection

        from bench import run
        from bench.docs import ReportError

        if "bench" not in connection.settings_dict["NAME"] and not yes:
            raise CommandError(
                f"the benchmark empties odds and bets tables: it runs only on a database named "
                f"*bench* (this is {connection.settings_dict['NAME']!r}); make bench sets one up"
            )
        try:
            report = run(scale)
        except ReportError as exc:  # measured and written under var/, but the page could not be made
            raise CommandError(str(exc)) from exc
        if report.failed:
            raise CommandError(f"{len(report.failed)} figures missed their bar")
