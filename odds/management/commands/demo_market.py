from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from odds.demo import run_demo


class Command(BaseCommand):
    help = "Load the demo market (seeded simulation) up to now, through the normal ingestion path. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--days", type=float, default=3.0, help="history to generate before now (days)")

    def handle(self, *args, seed: int, days: float, **options) -> None:
        result = run_demo(now=timezone.now(), seed=seed, backfill=timedelta(days=days))
        self.stdout.write(
            f"Demo market (seed {seed}): {result.events} events, {result.prices_seen} prices read, "
            f"{result.history_written} history rows written."
        )
