import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, migrations, models
from django.db.migrations.state import ProjectState
from django.test.utils import CaptureQueriesContext

from bets.closing import closing_line
from bets.services import place_bet
from bets.tests.factories import BetInputFactory
from devtools.testing import history_bounds, history_queries
from odds.models import Event
from odds.selectors import line_movement
from opportunities.backtest import BacktestRules, run_backtest
from opportunities.tests.factories import NOW, h2h_event
from ops.timescale import (
    PLAIN,
    TIMESCALEDB,
    CreateHypertable,
    TimescaleRequired,
    TimescaleSQL,
    active_path,
    compression_sql,
    hypertable_sql,
    probe,
)

# The suite runs against the embedded plain PostgreSQL, or against a TimescaleDB server when
# DATABASE_URL names one (TIMESCALE_MODE=on): each test checks what its server must do.


@pytest.mark.django_db
def test_the_active_path_follows_the_server_and_the_mode():
    support = probe(connection)
    assert active_path(connection, "off") == PLAIN
    if support.usable:
        assert support.installed  # the migrations created the extension
        assert active_path(connection, "auto") == active_path(connection, "on") == TIMESCALEDB
    else:
        assert support.installed is False
        assert support.preloaded is False
        assert active_path(connection, "auto") == PLAIN


@pytest.mark.django_db
def test_mode_on_fails_loudly_without_timescaledb():
    if probe(connection).usable:
        assert active_path(connection, "on") == TIMESCALEDB
        return
    with pytest.raises(TimescaleRequired, match="TIMESCALE_MODE=on but TimescaleDB is not installed"):
        active_path(connection, "on")


@pytest.mark.django_db
def test_migrated_price_history_is_a_plain_table_with_its_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'odds_pricehistory'")
        assert cursor.fetchone() == ("r",)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'odds_pricehistory' ORDER BY 1")
        assert [row[0] for row in cursor.fetchall()] == ["odds_pricehistory_pkey", "pricehistory_time_brin"]


@pytest.mark.django_db(transaction=True)
def test_create_hypertable_operation_makes_a_hypertable_only_where_timescaledb_runs():
    usable = probe(connection).usable
    state = ProjectState()
    create = migrations.CreateModel(
        "Reading", [("id", models.BigAutoField(primary_key=True)), ("at", models.DateTimeField())]
    )
    new_state = state.clone()
    create.state_forwards("ops", new_state)
    operation = CreateHypertable("reading", "at", primary_key=("id", "at"))
    with connection.schema_editor() as editor:
        create.database_forwards("ops", editor, state, new_state)
        operation.database_forwards("ops", editor, new_state, new_state)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'ops_reading'")
            assert cursor.fetchone() == ("r",)
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")
            assert cursor.fetchone() == (int(usable),)
            if usable:
                cursor.execute(
                    "SELECT count(*) FROM timescaledb_information.hypertables WHERE hypertable_name = 'ops_reading'"
                )
                assert cursor.fetchone() == (1,)
    finally:
        with connection.schema_editor() as editor:
            create.database_backwards("ops", editor, new_state, state)


def test_hypertable_sql_reads_as_reviewed():
    assert hypertable_sql("bets_bet", "placed_at", chunk_interval="30 days", primary_key=("id", "placed_at")) == [
        "CREATE EXTENSION IF NOT EXISTS timescaledb",
        'ALTER TABLE "bets_bet" DROP CONSTRAINT IF EXISTS "bets_bet_pkey"',
        'ALTER TABLE "bets_bet" ADD CONSTRAINT "bets_bet_pkey" PRIMARY KEY ("id", "placed_at")',
        "SELECT create_hypertable('\"bets_bet\"', by_range('placed_at', INTERVAL '30 days'),"
        " if_not_exists => true, migrate_data => true)",
    ]


def test_hypertable_sql_with_compression():
    statements = hypertable_sql(
        "odds_pricehistory",
        "observed_at",
        chunk_interval="1 day",
        compress_segmentby=("selection_id", "bookmaker_id"),
        compress_after="7 days",
    )
    assert statements[-2] == (
        'ALTER TABLE "odds_pricehistory" SET (timescaledb.compress, timescaledb.compress_segmentby ='
        " 'selection_id, bookmaker_id', timescaledb.compress_orderby = 'observed_at DESC')"
    )
    assert statements[-1] == (
        "SELECT add_compression_policy('\"odds_pricehistory\"', INTERVAL '7 days', if_not_exists => true)"
    )


def test_operations_deconstruct_for_the_migration_writer():
    name, args, kwargs = CreateHypertable("pricehistory", "observed_at", compress_after="7 days").deconstruct()
    assert (name, args) == ("CreateHypertable", ["pricehistory"])
    assert kwargs == {"time_column": "observed_at", "chunk_interval": "1 day", "compress_after": "7 days"}
    assert TimescaleSQL(["SELECT 1"]).deconstruct() == ("TimescaleSQL", [["SELECT 1"]], {"reverse_sql": []})


def test_compression_sql_without_segments_orders_the_batches():
    assert compression_sql("odds_pricehistory", segmentby=(), orderby="selection_id, observed_at DESC") == (
        'ALTER TABLE "odds_pricehistory" SET (timescaledb.compress, timescaledb.compress_segmentby ='
        " '', timescaledb.compress_orderby = 'selection_id, observed_at DESC')"
    )


@pytest.mark.django_db
def test_history_is_compressed_in_selection_order_where_timescaledb_runs():
    with connection.cursor() as cursor:
        if not probe(connection).usable:
            cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")
            assert cursor.fetchone() == (0,)  # nothing to compress with: the migration did nothing
            return
        cursor.execute(
            "SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings"
            " WHERE hypertable = 'odds_pricehistory'::regclass"
        )
        assert cursor.fetchone() == ("", "selection_id,bookmaker_id,observed_at DESC")


@pytest.mark.django_db
def test_history_has_no_continuous_aggregate():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname = 'odds_pricehistory_hourly'")
        assert cursor.fetchone() == (0,)
        if probe(connection).usable:
            cursor.execute("SELECT count(*) FROM timescaledb_information.continuous_aggregates")
            assert cursor.fetchone() == (0,)
            cursor.execute(
                "SELECT count(*) FROM timescaledb_information.jobs"
                " WHERE proc_name = 'policy_refresh_continuous_aggregate'"
            )
            assert cursor.fetchone() == (0,)


def _history_reads_of_an_event_among_others():
    """One event's history over ten days and in play, a stale price of it older than its window, and two
    other events months before and after it: odds history in eight daily chunks. Then the SQL of
    each read of the event's history: line movement, a bet's closing line, a backtest of it."""
    kickoff = NOW + timedelta(days=1)
    line = {"H": 2.00, "D": 3.60, "A": 4.00}
    with time_machine.travel(NOW, tick=False):
        for days in (-130, -10, -1):
            line = {k: round(v + 0.05, 2) for k, v in line.items()}
            h2h_event("e", {"pinnacle": line}, kickoff=kickoff, observed_at=kickoff + timedelta(days=days))
        event = h2h_event("e", {"bet365": {"H": 2.1, "D": 3.4, "A": 3.8}}, kickoff=kickoff, observed_at=NOW)
        h2h_event("e", {"pinnacle": {"H": 1.9}}, kickoff=kickoff, observed_at=kickoff + timedelta(hours=2))
        for provider_id, days in (("before", -200), ("after", 60)):
            other = kickoff + timedelta(days=days)
            for moment, home in ((other - timedelta(days=2), 2.5), (other, 2.4)):
                h2h_event(provider_id, {"pinnacle": {**line, "H": home}}, kickoff=other, observed_at=moment)
        bet = place_bet(bet=BetInputFactory(event=event))
    Event.objects.filter(pk=event.pk).update(completed=True, home_score=1, away_score=0)
    event.refresh_from_db()
    reads = {}
    for name, read in (
        ("line movement", lambda: line_movement(event)),
        ("closing line", lambda: closing_line(bet)),
        ("backtest", lambda: run_backtest(rules=BacktestRules(), events=Event.objects.filter(pk=event.pk))),
    ):
        with CaptureQueriesContext(connection) as queries:
            read()
        [reads[name]] = history_queries(queries.captured_queries)
    return reads


@pytest.mark.django_db
def test_history_reads_plan_only_the_chunks_of_their_window():
    """On TimescaleDB, every read of one event's history plans the compressed chunks of its range and
    excludes the others; on plain PostgreSQL the same bounds filter the one table."""
    reads = _history_reads_of_an_event_among_others()
    with connection.cursor() as cursor:
        if not probe(connection).usable:
            for sql in reads.values():
                cursor.execute("EXPLAIN " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "observed_at >= '" in plan
                assert "observed_at <= '" in plan
            return
        cursor.execute("SELECT count(compress_chunk(c, true)) FROM show_chunks('odds_pricehistory') c")
        cursor.execute("ANALYZE odds_pricehistory")
        cursor.execute(
            "SELECT chunk_name, range_start, range_end FROM timescaledb_information.chunks"
            " WHERE hypertable_name = 'odds_pricehistory'"
        )
        chunks = cursor.fetchall()
        assert len(chunks) == 8
        for name, sql in reads.items():
            [start], [end] = history_bounds(sql).values()
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            planned = {chunk for chunk, _, _ in chunks if re.search(rf"\b{chunk}\b", plan)}
            in_range = {chunk for chunk, first, after in chunks if first <= end and after > start}
            assert planned == in_range, name
            # the others' four days and the stale price's day are excluded; the event's three days are not
            assert len(planned) == 3, name
