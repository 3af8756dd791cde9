"""The TimescaleDB switch: one migration operation that turns a table into a hypertable where it can.

TIMESCALE_MODE (settings):
  auto  use TimescaleDB when the extension is installed *and* preloaded, else keep plain tables;
  on    require it: migrating without TimescaleDB fails loudly (production);
  off   never use it.

Why "preloaded": on a server where the extension's files exist but ``shared_preload_libraries``
lacks it, ``CREATE EXTENSION timescaledb`` is FATAL and closes the connection, even inside a
savepoint. The GUC ``timescaledb.disable_load`` exists only once the library is loaded, and any
role may read it, so we ask for it before touching the extension.

Every statement the TimescaleDB path runs is built by the ``*_sql`` functions below, so a reviewer
reads the exact SQL in one place, and the tests check it without a TimescaleDB server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import migrations
from django.db.backends.base.base import BaseDatabaseWrapper

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import ProjectState

PLAIN = "plain"
TIMESCALEDB = "timescaledb"


class TimescaleRequired(RuntimeError):
    """TIMESCALE_MODE=on but the server cannot run TimescaleDB."""


@dataclass(frozen=True)
class TimescaleSupport:
    available: bool  # the extension's files are installed on the server
    preloaded: bool  # its library is in shared_preload_libraries
    installed: bool  # CREATE EXTENSION has run in this database

    @property
    def usable(self) -> bool:
        return self.available and self.preloaded


def probe(connection: BaseDatabaseWrapper) -> TimescaleSupport:
    if connection.vendor != "postgresql":
        return TimescaleSupport(False, False, False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT"
            " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),"
            " current_setting('timescaledb.disable_load', true) IS NOT NULL,"
            " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')"
        )
        available, preloaded, installed = cursor.fetchone()
    return TimescaleSupport(bool(available), bool(preloaded), bool(installed))


def active_path(connection: BaseDatabaseWrapper, mode: str | None = None) -> str:
    """Which storage path this database uses now: ``timescaledb`` or ``plain``."""
    mode = mode or settings.TIMESCALE_MODE
    if mode == "off":
        return PLAIN
    support = probe(connection)
    if support.usable:
        return TIMESCALEDB
    if mode == "on":
        raise TimescaleRequired(
            "TIMESCALE_MODE=on but TimescaleDB is "
            + ("not preloaded (add it to shared_preload_libraries)" if support.available else "not installed")
        )
    return PLAIN


def hypertable_sql(
    table: str,
    time_column: str,
    *,
    chunk_interval: str,
    primary_key: tuple[str, ...] | None = None,
    compress_segmentby: tuple[str, ...] = (),
    compress_orderby: str | None = None,
    compress_after: str | None = None,
) -> list[str]:
    """The statements that make ``table`` a hypertable (TimescaleDB 2.x)."""
    statements = ["CREATE EXTENSION IF NOT EXISTS timescaledb"]
    if primary_key:
        # A hypertable's unique keys must contain the time column: widen Django's (id) key.
        statements += [
            f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{table}_pkey"',
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY ({_columns(primary_key)})',
        ]
    statements.append(
        f"SELECT create_hypertable('\"{table}\"', by_range('{time_column}', INTERVAL '{chunk_interval}'),"
        " if_not_exists => true, migrate_data => true)"
    )
    if compress_segmentby or compress_orderby:
        statements.append(
            compression_sql(table, segmentby=compress_segmentby, orderby=compress_orderby or f"{time_column} DESC")
        )
        if compress_after:
            statements.append(
                f"SELECT add_compression_policy('\"{table}\"', INTERVAL '{compress_after}', if_not_exists => true)"
            )
    return statements


def compression_sql(table: str, *, segmentby: tuple[str, ...], orderby: str) -> str:
    """Turn compression on for ``table`` with these settings (or change them: chunks compressed
    before keep theirs until recompressed)."""
    return (
        f'ALTER TABLE "{table}" SET (timescaledb.compress,'
        f" timescaledb.compress_segmentby = '{', '.join(segmentby)}',"
        f" timescaledb.compress_orderby = '{orderby}')"
    )


def _columns(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


class CreateHypertable(migrations.operations.base.Operation):
    """Make a model's table a hypertable when TimescaleDB is usable; otherwise do nothing.

    The plain table keeps the indexes declared on the model, so every query works on both paths.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(
        self,
        model_name: str,
        time_column: str,
        *,
        chunk_interval: str = "1 day",
        primary_key: tuple[str, ...] | None = None,
        compress_segmentby: tuple[str, ...] = (),
        compress_orderby: str | None = None,
        compress_after: str | None = None,
    ) -> None:
        self.model_name = model_name
        self.time_column = time_column
        self.chunk_interval = chunk_interval
        self.primary_key = tuple(primary_key) if primary_key else None
        self.compress_segmentby = tuple(compress_segmentby)
        self.compress_orderby = compress_orderby
        self.compress_after = compress_after

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"time_column": self.time_column, "chunk_interval": self.chunk_interval}
        for name in ("primary_key", "compress_segmentby", "compress_orderby", "compress_after"):
            if getattr(self, name):
                kwargs[name] = getattr(self, name)
        return self.__class__.__qualname__, [self.model_name], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass  # the model is unchanged; only its storage is

    def statements(self, table: str) -> list[str]:
        return hypertable_sql(
            table,
            self.time_column,
            chunk_interval=self.chunk_interval,
            primary_key=self.primary_key,
            compress_segmentby=self.compress_segmentby,
            compress_orderby=self.compress_orderby,
            compress_after=self.compress_after,
        )

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if active_path(schema_editor.connection) != TIMESCALEDB:
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        for statement in self.statements(model._meta.db_table):
            schema_editor.execute(statement)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        # A hypertable cannot become a plain table again in place; unmigrating drops the table
        # in the previous migration anyway.
        pass

    def describe(self) -> str:
        return f"Make {self.model_name} a TimescaleDB hypertable on {self.time_column} (when available)"


class TimescaleSQL(migrations.operations.base.Operation):
    """Run SQL only on the TimescaleDB path (continuous aggregates, policies)."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, sql: list[str], reverse_sql: list[str] | None = None) -> None:
        self.sql = list(sql)
        self.reverse_sql = list(reverse_sql or [])

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.sql], {"reverse_sql": self.reverse_sql}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if active_path(schema_editor.connection) == TIMESCALEDB:
            for statement in self.sql:
                schema_editor.execute(statement)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if active_path(schema_editor.connection) == TIMESCALEDB:
            for statement in self.reverse_sql:
                schema_editor.execute(statement)

    def describe(self) -> str:
        return "TimescaleDB-only SQL"
