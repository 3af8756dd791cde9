import sys
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds import backfill
from odds.collector import spending_refused


class Command(BaseCommand):
    help = (
        "Fetch The Odds API's historical snapshots of a sport from --from to --to every --every (paid plans; "
        "10 credits × markets × regions a snapshot) and ingest them; done moments are skipped."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sport", required=True, help="sport key, e.g. soccer_epl")
        parser.add_argument("--from", dest="start", required=True, help="date or time (UTC), e.g. 2024-01-15")
        parser.add_argument("--to", dest="end", required=True, help="date (its whole day) or time (UTC)")
        parser.add_argument("--every", default="1h", help="step between moments: 30m, 1h, 1d (default 1h)")
        parser.add_argument("--markets", help="comma-separated (default: the sport's collection markets)")
        parser.add_argument("--regions", help="comma-separated (default: the sport's collection regions)")
        parser.add_argument("--yes", action="store_true", help="spend the credits without asking")

    def handle(self, *args: Any, sport: str, start: str, end: str, every: str, yes: bool, **options: Any) -> None:
        try:
            plan = backfill.plan(
                sport_key=sport,
                start=backfill.parse_moment(start, "--from", end_of_day=False),
                end=backfill.parse_moment(end, "--to", end_of_day=True),
                every=backfill.parse_step(every),
                markets=backfill.market_names(options.get("markets")),
                regions=backfill.region_names(options.get("regions")),
            )
        except backfill.BackfillError as exc:
            raise CommandError(str(exc)) from None
        for line in backfill.describe(plan, every):
            self.stdout.write(line)
        if not plan.todo:
            self.stdout.write("Nothing to fetch: every moment of the range is done.")
            return
        refused = spending_refused(plan.cost)
        if refused:
            raise CommandError(f"Nothing fetched: {refused}.")
        if not yes and not self._confirmed(plan, options.get("stdin") or sys.stdin):
            self.stdout.write("Nothing fetched.")
            return
        outcome = backfill.run(plan, progress=self.stdout.write)
        self.stdout.write(
            f"{plan.sport_key}: {backfill.count(outcome.fetched, 'snapshot')} fetched for "
            f"{backfill.count(outcome.covered, 'moment')}, {outcome.credits:,} credits, {outcome.prices:,} prices, "
            f"{outcome.history_written:,} history rows; {backfill.count(outcome.left, 'moment')} to go."
        )
        if outcome.stopped:
            raise CommandError(f"{outcome.stopped}. The same command resumes from there.")

    def _confirmed(self, plan: backfill.BackfillPlan, stdin: IO[str]) -> bool:
        """The user's yes on a terminal; never a guess on a pipe or a cron job's empty input."""
        if not stdin.isatty():
            raise CommandError(
                f"Not a terminal, so not asking: pass --yes to spend up to {plan.most_credits:,} credits."
            )
        self.stdout.write(f"Spend up to {plan.most_credits:,} credits? [y/N] ", ending="")
        self.stdout.flush()
        return stdin.readline().strip().lower() in {"y", "yes"}
