from collections.abc import Sequence

from django.apps import AppConfig
from django.core import checks
from django.db import DatabaseError, connection

from ops.timescale import TIMESCALEDB, TimescaleRequired, active_path


@checks.register("monps", checks.Tags.database)
def timescale_path(
    app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """Say which storage path is active, so an operator never has to guess.

    A database check: ``manage.py check --database default`` and ``migrate`` run it.
    """
    if not databases or "default" not in databases:
        return []
    try:
        path = active_path(connection)
    except TimescaleRequired as exc:
        return [checks.Error(str(exc), id="monps.E001")]
    except DatabaseError as exc:
        return [checks.Warning(f"database not reachable, storage path unknown: {exc}".strip(), id="monps.W001")]
    if path == TIMESCALEDB:
        text = "storage path: TimescaleDB (hypertables, compression)"
    else:
        text = "storage path: plain PostgreSQL (TimescaleDB not available or TIMESCALE_MODE=off)"
    return [checks.Info(text, id="monps.I001")]
