"""Saved backtests: a run's parameters, its progress and figures, and its bets (imported by models.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from odds.models import MARKETS, Bookmaker, Event

QUEUED, RUNNING, FINISHED, FAILED = "queued", "running", "finished", "failed"
RUN_STATUSES = [(QUEUED, "Queued"), (RUNNING, "Running"), (FINISHED, "Finished"), (FAILED, "Failed")]


class BacktestRun(models.Model):
    """One replay of a strategy (or a grid of its settings), run by a worker (``backtest_runs``).

    ``parameters`` are what was asked; ``rules`` the strategy's rules after this run's adjustments and
    the bookmakers' accounts, as they were when it was asked: running it again replays those."""

    QUEUED, RUNNING, FINISHED, FAILED = QUEUED, RUNNING, FINISHED, FAILED
    STATUSES = RUN_STATUSES

    strategy = models.ForeignKey(
        "opportunities.Strategy", null=True, blank=True, on_delete=models.SET_NULL, related_name="backtests"
    )
    strategy_name = models.CharField(max_length=64)
    parameters = models.JSONField()
    rules = models.JSONField()
    status = models.CharField(max_length=16, choices=STATUSES, default=QUEUED)
    progress = models.FloatField(default=0.0, help_text="Share of the work done, 0 to 1.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Workers that started it.")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now, help_text="When its task was last sent.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(null=True, blank=True)
    curve = models.JSONField(default=list, blank=True)
    breakdowns = models.JSONField(default=dict, blank=True)
    grid = models.JSONField(null=True, blank=True, help_text="A grid's axes, cells and best cell.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="backtest_run_status")]

    def __str__(self) -> str:
        return f"backtest {self.pk} of {self.strategy_name} ({self.status})"

    @property
    def done(self) -> bool:
        return self.status in (self.FINISHED, self.FAILED)

    @property
    def percent(self) -> int:
        return round(self.progress * 100)


class BacktestBet(models.Model):
    """A bet a run would have placed, in the run's order (``sequence``)."""

    run = models.ForeignKey(BacktestRun, on_delete=models.CASCADE, related_name="bets")
    sequence = models.PositiveIntegerField()
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    placed_at = models.DateTimeField()
    market = models.CharField(max_length=16, choices=MARKETS)
    outcome = models.CharField(max_length=128)
    point = models.DecimalField(max_digits=7, decimal_places=2)
    bookmaker = models.ForeignKey(Bookmaker, on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(max_digits=8, decimal_places=3)
    net_price = models.DecimalField(max_digits=12, decimal_places=7, help_text="Less the book's commission.")
    fair_probability = models.DecimalField(max_digits=9, decimal_places=8)
    edge = models.DecimalField(max_digits=9, decimal_places=6)
    stake = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=16)
    profit = models.DecimalField(max_digits=12, decimal_places=2)
    clv = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["run", "sequence"]
        constraints = [models.UniqueConstraint(fields=["run", "sequence"], name="backtest_bet_once")]

    def __str__(self) -> str:
        return f"{self.outcome} @ {self.price} stake {self.stake}"
