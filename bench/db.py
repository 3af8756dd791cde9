"""The benchmark's own database on the server it is given: ``<name>_bench`` (or the name given, when
it already says bench), created when missing."""

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def bench_url(url: str) -> str:
    params = conninfo_to_dict(url)
    name = str(params.get("dbname", "monps"))
    bench = name if "bench" in name else f"{name}_bench"
    # Created from the server's maintenance database when the name given is the bench's own (it may
    # not exist yet), else from the database named.
    maintenance = "postgres" if bench == name else name
    with psycopg.connect(make_conninfo("", **{**params, "dbname": maintenance}), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench]).fetchone():
            conn.execute(f'CREATE DATABASE "{bench}"')
    return make_conninfo("", **{**params, "dbname": bench})
