from typing import Any

from django.core.management.base import BaseCommand

from opportunities.detection import detect


class Command(BaseCommand):
    help = "Run one detection pass over every upcoming event now."

    def handle(self, *args: Any, **options: Any) -> None:
        result = detect()
        self.stdout.write(
            f"{result.events} events, {result.prices} prices: {len(result.created)} new opportunities, "
            f"{result.updated} updated, {result.expired} expired, {result.surebets} surebets "
            f"in {result.duration_ms} ms."
        )
