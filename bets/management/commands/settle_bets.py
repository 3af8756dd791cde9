from typing import Any

from django.core.management.base import BaseCommand

from bets.services import settle_pending


class Command(BaseCommand):
    help = "Settle every pending bet whose event has a result, and record closing lines of started events."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{settle_pending(via='command')} bets settled.")
