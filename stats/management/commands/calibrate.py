from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from odds.models import MARKETS, Bookmaker, Event, Sport
from stats.calibration import RESAMPLES, SEED, Scored, calibrate_sport, record_calibrations
from stats.models import CLOSING, OPENING, line_label


class Command(BaseCommand):
    help = (
        "Score every devig method on stored results (log loss, Brier, RPS with 95% bootstrap intervals) per sport, "
        "market line, reference bookmaker, opening and closing, and store the scores for the calibration page, "
        "its API and strategies that take the best-scoring method."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sport", action="append", help="a sport key (repeat for more); default: every sport")
        parser.add_argument("--reference", action="append", help="a bookmaker key (repeat); default: every bookmaker")
        parser.add_argument("--market", action="append", choices=[m for m, _ in MARKETS], help="default: every market")
        parser.add_argument("--at", choices=[OPENING, CLOSING], action="append", help="default: both")
        parser.add_argument("--resamples", type=int, default=RESAMPLES, help=f"bootstrap resamples ({RESAMPLES})")
        parser.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default {SEED})")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["resamples"] < 1:
            raise CommandError(f"--resamples {o['resamples']}: at least 1")
        sport_keys = dict(Sport.objects.values_list("id", "key"))
        names = dict(Bookmaker.objects.filter(is_aggregate=False).values_list("id", "key"))
        sports = _chosen(sport_keys, o["sport"], "sport")
        books = _chosen(names, o["reference"], "bookmaker")
        self.stdout.write(f"95% intervals: percentiles of {o['resamples']} bootstrap resamples, seed {o['seed']}.")
        finished = Event.objects.filter(home_score__isnull=False, away_score__isnull=False, cancelled=False)
        stored = 0
        for sport_id in sorted(set(finished.values_list("sport_id", flat=True)) & (sports or set(sport_keys))):
            scored = calibrate_sport(
                sport_id,
                markets=o["market"] or (),
                references=books,
                moments=o["at"] or (OPENING, CLOSING),
                resamples=o["resamples"],
                seed=o["seed"],
            )
            for scope, calibrations in scored.items():
                stored += len(
                    record_calibrations(scope=scope, scored=calibrations, resamples=o["resamples"], seed=o["seed"])
                )
                for calibration in calibrations:
                    self._report(sport_keys[sport_id], names[scope.reference_id], scope.at, calibration)
                self.stdout.flush()
        self.stdout.write(f"{stored} calibrations stored.")

    def _report(self, sport: str, reference: str, at: str, scored: Scored) -> None:
        line = line_label(scored.market, scored.point)
        self.stdout.write(f"{sport} · {line} · {reference} · {at}: {scored.events} events")
        if scored.left_out:
            self.stdout.write(f"  left out: {scored.left_out}")
        self.stdout.write(f"  {'method':<15}{'log loss [95%]':>32}{'Brier [95%]':>32}{'RPS [95%]':>32}")
        for result in scored.results:
            cells = []
            for name in ("log_loss", "brier", "rps"):
                value, interval = getattr(result, name), result.ci95[name]
                cells.append("-" if interval is None else f"{value:.5f} [{interval[0]:.5f}, {interval[1]:.5f}]")
            self.stdout.write(f"  {result.method:<15}" + "".join(f"{c:>32}" for c in cells))
        if scored.best:
            self.stdout.write(f"  best: {scored.best} (lowest log loss in {scored.best_share:.0%} of the resamples)")


def _chosen(keys: dict[int, str], wanted: list[str] | None, what: str) -> set[int]:
    """The ids of the keys named (none named: an empty set, meaning every one)."""
    ids = {key: pk for pk, key in keys.items()}
    unknown = [key for key in wanted or [] if key not in ids]
    if unknown:
        raise CommandError(f"no {what} {', '.join(map(repr, unknown))}")
    return {ids[key] for key in wanted or []}
