from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from odds.demo import BOOKS, collect_demo

CENT = Decimal("0.01")


def demo_deposits(bankroll: Decimal, keys: list[str]) -> dict[str, Decimal]:
    """``bankroll`` in equal shares to the cent, the cents left over to the first books."""
    share, left = divmod(bankroll.quantize(CENT) / CENT, len(keys))
    return {key: (share + (i < left)) * CENT for i, key in enumerate(keys)}


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
        from bets.demo import limit_demo_bettor
        from bets.models import LedgerEntry
        from bets.services import add_ledger_entry, settle_pending
        from opportunities.detection import detect

        _run, result = collect_demo(now=timezone.now(), seed=seed, backfill=timedelta(days=days))
        self.stdout.write(
            f"Demo market (seed {seed}): {result.events} events, {result.prices_seen} prices read, "
            f"{result.history_written} history rows written."
        )
        if Decimal(bankroll) > 0 and not LedgerEntry.objects.exists():
            # Held at the demo's books, so their balances show and bets are checked against them.
            shares = demo_deposits(Decimal(bankroll), [book.key for book in BOOKS])
            for key, amount in shares.items():
                add_ledger_entry(kind="deposit", amount=amount, note="demo bankroll", bookmaker=key)
            self.stdout.write(
                f"Recorded a demo bankroll of {bankroll}, split over the {len(shares)} demo bookmakers,"
                " so stakes can be suggested."
            )
        found = detect()
        settled = settle_pending(via="command")
        self.stdout.write(f"{len(found.created)} new opportunities, {found.surebets} surebets; {settled} bets settled.")
        limit = limit_demo_bettor()
        if limit is not None:
            self.stdout.write(f"{limit.bookmaker.title} now accepts at most {limit.stake_accepted} from you.")
