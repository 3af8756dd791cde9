"""monps's own Prometheus metrics, computed from the database when ``/metrics`` is scraped.

Collections and detections run in Celery worker processes; counters kept in their memory would
never reach the web process that serves ``/metrics``. The database already records every run, so
the counters and the histogram are read from it: exact, durable, and the same whichever process
answers the scrape. About ten small queries per scrape.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

DETECTION_BUCKETS_MS = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]


class MonpsCollector(Collector):
    def describe(self) -> list[Metric]:
        return []  # registering must not query the database during app start-up

    def collect(self) -> Iterator[Metric]:
        from django.db import DatabaseError

        try:
            yield from self._collect()
        except DatabaseError as exc:  # the database being down must not break the scrape
            logger.warning("monps metrics unavailable: %s", exc)

    def _collect(self) -> Iterator[Metric]:
        from django.db.models import Count, Max, Q, Sum
        from django.utils import timezone

        from bets.selectors import bankroll
        from odds.collector import collection_blocked, credits_left
        from odds.models import CollectorRun
        from opportunities.models import Alert, DetectionRun, Opportunity

        prices = CounterMetricFamily(
            "monps_odds_prices_ingested", "Prices read by ingestion", labels=["sport", "source"]
        )
        history = CounterMetricFamily(
            "monps_odds_history_rows_written", "Price changes written to history", labels=["sport", "source"]
        )
        for row in (
            CollectorRun.objects.values("sport_key", "source")
            .annotate(prices=Sum("prices_seen"), history=Sum("history_written"))
            .order_by()
        ):
            prices.add_metric([row["sport_key"], row["source"]], row["prices"] or 0)
            history.add_metric([row["sport_key"], row["source"]], row["history"] or 0)
        yield prices
        yield history

        runs = CounterMetricFamily("monps_collector_runs", "Collector runs by outcome", labels=["kind", "status"])
        for outcome in CollectorRun.objects.values("kind", "status").annotate(n=Count("id")).order_by():
            runs.add_metric([outcome["kind"], outcome["status"]], outcome["n"])
        yield runs

        left = credits_left()
        credits = GaugeMetricFamily("monps_odds_api_credits_remaining", "The Odds API credits left this month")
        if left is not None:
            credits.add_metric([], left)
        yield credits
        yield GaugeMetricFamily(
            "monps_odds_api_key_rejected",
            "1 when The Odds API rejected the key",
            value=1 if collection_blocked() else 0,
        )

        now = timezone.now()
        since = GaugeMetricFamily(
            "monps_collector_seconds_since_success", "Seconds since the last successful collection", labels=["sport"]
        )
        for success in (
            CollectorRun.objects.filter(status=CollectorRun.OK)
            .values("sport_key")
            .annotate(last=Max("started_at"))
            .order_by()
        ):
            since.add_metric([success["sport_key"]], (now - success["last"]).total_seconds())
        yield since

        active = GaugeMetricFamily("monps_opportunities_active", "Active opportunities", labels=["strategy"])
        for strategy in Opportunity.objects.active().values("strategy__name").annotate(n=Count("id")).order_by():
            active.add_metric([strategy["strategy__name"]], strategy["n"])
        yield active

        buckets = DetectionRun.objects.aggregate(
            count=Count("id"),
            total=Sum("duration_ms"),
            **{f"le_{b}": Count("id", filter=Q(duration_ms__lte=b)) for b in DETECTION_BUCKETS_MS},
        )
        histogram = HistogramMetricFamily("monps_detection_duration_seconds", "Duration of detection passes")
        histogram.add_metric(
            [],
            [(str(b / 1000), buckets[f"le_{b}"]) for b in DETECTION_BUCKETS_MS] + [("+Inf", buckets["count"])],
            sum_value=(buckets["total"] or 0) / 1000,
        )
        yield histogram

        money = bankroll()
        yield GaugeMetricFamily("monps_bankroll", "Bankroll now (ledger + settled profit)", value=float(money.now))
        yield GaugeMetricFamily("monps_pending_exposure", "Stakes of pending bets", value=float(money.exposure))

        alerts = CounterMetricFamily(
            "monps_alert_deliveries", "Alerts by channel and outcome", labels=["channel", "status"]
        )
        for delivery in Alert.objects.values("channel", "status").annotate(n=Count("id")).order_by():
            alerts.add_metric([delivery["channel"], delivery["status"]], delivery["n"])
        yield alerts

        yield GaugeMetricFamily("monps_celery_workers", "Celery workers answering a ping", value=len(_workers()))


def _workers() -> list[str]:
    from ops.health import worker_status

    workers: list[str] = worker_status().get("workers", [])
    return workers


def register() -> None:
    from prometheus_client import REGISTRY

    # ValueError: already registered (the app config can be readied twice in one process)
    with contextlib.suppress(ValueError):
        REGISTRY.register(MonpsCollector())
