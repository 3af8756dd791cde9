"""The benchmark's own database on the server it is given: ``<name>_bench``, created when missing."""

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def bench_url(url: str) -> str:
    params = conninfo_to_dict(url)
    name = params.get("dbname", "monps")
    if "bench" in name:
        return url
    bench = f"{name}_bench"
    with psycopg.connect(make_conninfo(**{**params, "dbname": name}), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench]).fetchone():
            conn.execute(f'CREATE DATABASE "{bench}"')
    return make_conninfo(**{**params, "dbname": bench})
