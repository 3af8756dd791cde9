"""Figures, their bars, and the little statistics the bench takes of repeated measurements."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    spread: float | None = None  # half the range of the repeated measurements; None: measured once
    reference: float | None = None
    ratio: float | None = None
    bar: str = ""
    passed: bool | None = None  # None: printed for reference, no bar
    queries: int | None = None

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "FAIL")

    def line(self) -> str:
        ref = f" ref {self.reference:.4g}" if self.reference is not None else ""
        ratio = f" ratio {self.ratio:.3g}" if self.ratio is not None else ""
        queries = f" [{self.queries} queries]" if self.queries is not None else ""
        spread = f"±{self.spread:.2g}" if self.spread is not None else ""
        return (
            f"{self.name:<52} {self.value:>12.4g} {self.unit:<10} {spread:<8}{ref}{ratio}"
            f"{queries}  bar {self.bar:<22} {self.verdict}"
        )


@dataclass
class Report:
    scale: str
    figures: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    @property
    def passed(self) -> list[Figure]:
        return [f for f in self.figures if f.passed]

    @property
    def failed(self) -> list[Figure]:
        return [f for f in self.figures if f.passed is False]


def timed(fn: Callable[[], object], repeat: int, setup: Callable[[], object] | None = None) -> list[float]:
    """Seconds of each of ``repeat`` calls of ``fn``, each after ``setup`` and a garbage collection."""
    durations = []
    for _ in range(repeat):
        if setup:
            setup()
        gc.collect()
        started = time.perf_counter()
        fn()
        durations.append(time.perf_counter() - started)
    return durations


def spread(values: list[float]) -> float:
    return (max(values) - min(values)) / 2 if len(values) > 1 else 0.0


def rate_spread(count: int, durations: list[float]) -> float:
    """The spread of a rate of ``count`` items measured over these durations."""
    return spread([count / duration for duration in durations])


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def against(name: str, durations: list[float], reference: list[float], *, bar: float | None) -> Figure:
    """Seconds against a reference's seconds, the ratio ours / reference; ``bar``: its highest value."""
    ratio = median(durations) / median(reference)
    return Figure(
        name,
        median(durations),
        "s",
        spread=spread(durations),
        reference=median(reference),
        ratio=ratio,
        bar=f"<= {bar:g}x ref" if bar is not None else "(for reference)",
        passed=None if bar is None else ratio <= bar,
    )
