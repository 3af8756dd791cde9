from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from odds.demo import collect_demo


class Command(BaseCommand):
    help = (
        "Load the demo market (a seeded simulation) up to now through the normal ingestion path, then detect "
        "opportunities and settle bets. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--days", type=float, default=3.0, help="history to generate before now (days)")
        parser.add_argument(
            "--bankroll", default="1000.00", help="demo deposit recorded when the ledger is empty (0: none)"
        )

    def handle(self, *args: Any, seed: int, days: float, bankroll: str, **options: Any) -> None:
        from bets.models import LedgerEntry
        from bets.services import add_ledger_entry, settle_pending
        from opportunities.detection import detect

        _run, result = collect_demo(now=timezone.now(), seed=seed, backfill=timedelta(days=days))
        self.stdout.write(
            f"Demo market (seed {seed}): {result.events} events, {result.prices_seen} prices read, "
            f"{result.history_written} history rows written."
        )
        if Decimal(bankroll) > 0 and not LedgerEntry.objects.exists():
            add_ledger_entry(kind="deposit", amount=bankroll, note="demo bankroll")
            self.stdout.write(f"Recorded a demo deposit of {bankroll} so stakes can be suggested.")
        found = detect()
        settled = settle_pending(via="command")
        self.stdout.write(f"{len(found.created)} new opportunities, {found.surebets} surebets; {settled} bets settled.")
