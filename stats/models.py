"""Devig methods scored on stored results: written by ``manage.py calibrate`` (``stats.calibration``),
read by the calibration page, its API and the strategies that take the best-scoring method, so none
of them recomputes the scores."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import models

from odds.models import MARKETS, Bookmaker, Sport

OPENING, CLOSING = "opening", "closing"
MOMENTS = [(OPENING, "Opening (first observation)"), (CLOSING, "Closing (last at or before kick-off)")]


class CalibrationQuerySet(models.QuerySet["Calibration"]):
    def best_methods(self, *, reference: int | None) -> dict[tuple[int, str], tuple[str, str]]:
        """The best-scoring method of each (sport id, market) for a strategy with this reference book
        (``None``: a consensus), and a note saying where it comes from (``best_by_market``): one query."""
        rows = self.exclude(best="").select_related("sport", "reference").order_by("pk")
        if reference is not None:
            rows = rows.filter(reference_id=reference)
        return {key: (row.best, f"{row.best}: {row.summary}") for key, row in best_by_market(rows, reference).items()}


def best_by_market(rows: Iterable[Calibration], reference: int | None) -> dict[tuple[int, str], Calibration]:
    """Which stored calibration decides the method of a (sport id, market): of this reference book's
    (any book's for a consensus, ``None``), the closing one before the opening one, then the line
    with the most events."""
    chosen: dict[tuple[int, str], Calibration] = {}
    for row in rows:
        if not row.best or (reference is not None and row.reference_id != reference):
            continue
        key = (row.sport_id, row.market)
        if key not in chosen or row.rank > chosen[key].rank:
            chosen[key] = row
    return chosen


def line_label(market: str, point: Decimal) -> str:
    """ "h2h", "totals 2.50", "spreads -0.50" (the home handicap)."""
    if market == "h2h":
        return "h2h"
    return f"{market} {point:+}" if market == "spreads" else f"{market} {point}"


class Calibration(models.Model):
    """Each devig method's log loss, Brier score and ranked probability score (three-way markets) on
    the events of one sport with a result, devigging one reference book's prices of one market line
    at the opening or the closing, with 95% bootstrap intervals and the best method named."""

    sport = models.ForeignKey(Sport, on_delete=models.CASCADE, related_name="+")
    market = models.CharField(max_length=16, choices=MARKETS)
    point = models.DecimalField(
        max_digits=7, decimal_places=2, default=Decimal(0), help_text="The total, or the home handicap; 0 for h2h."
    )
    reference = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="+")
    at = models.CharField(max_length=8, choices=MOMENTS)
    events = models.PositiveIntegerField(help_text="Events scored, the same for every method.")
    results = models.JSONField(help_text="[{method, n, log_loss, brier, rps, ci95}], as the API answers them.")
    reliability = models.JSONField(help_text="{method: [{low, high, forecasts, mean_probability, frequency}]}")
    best = models.CharField(max_length=16, blank=True, help_text="The lowest log loss; blank without events.")
    best_share = models.FloatField(null=True, help_text="The share of resamples in which it had the lowest log loss.")
    left_out = models.TextField(blank=True, help_text="Events with a complete line that were not scored, and why.")
    resamples = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    computed_at = models.DateTimeField()

    objects = CalibrationQuerySet.as_manager()

    class Meta:
        ordering = ["sport__title", "market", "point", "reference__title", "at"]
        constraints = [
            models.UniqueConstraint(fields=["sport", "market", "point", "reference", "at"], name="calibration_key_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.sport_id} {self.market} {self.point} {self.reference_id} {self.at}: {self.best or '-'}"

    @property
    def point_or_none(self) -> Decimal | None:
        return None if self.market == "h2h" else self.point

    @property
    def line_label(self) -> str:
        return line_label(self.market, self.point)

    @property
    def query_string(self) -> str:
        """The calibration page's and the API's parameters naming this calibration (sport and
        reference read: select them related)."""
        from urllib.parse import urlencode

        point = {} if self.market == "h2h" else {"point": f"{self.point}"}
        return urlencode(
            {"sport": self.sport.key, "market": self.market, **point, "reference": self.reference.key, "at": self.at}
        )

    @property
    def rank(self) -> tuple[bool, int]:
        """Which calibration of a sport and market a strategy takes: closing first, then most events."""
        return self.at == CLOSING, self.events

    @property
    def summary(self) -> str:
        return (
            f"lowest log loss on {self.reference.key}'s {self.at} prices, {self.line_label}, {self.events} events "
            f"(calibrated {self.computed_at:%Y-%m-%d})"
        )
