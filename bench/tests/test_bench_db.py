"""The bench's database: created on the server it is given, never the one the application uses."""

import uuid

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench.db import bench_url

pytestmark = pytest.mark.django_db


def server_url(dbname: str) -> str:
    params = {k: v for k, v in connection.get_connection_params().items() if k in {"host", "port", "user", "password"}}
    return make_conninfo(**{k: str(v) for k, v in params.items() if v}, dbname=dbname)


def exists(name: str) -> bool:
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.mark.parametrize("given", ["monps_x{}", "monps_x{}_bench"])
def test_the_bench_database_is_created_when_missing(given):
    name = given.format(uuid.uuid4().hex[:8])
    bench = name if name.endswith("_bench") else f"{name}_bench"
    if bench != name:
        with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = bench_url(server_url(name))
        assert conninfo_to_dict(url)["dbname"] == bench
        assert exists(bench)
        assert bench_url(server_url(name)) == url  # a second run finds it
    finally:
        with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
            for db in {name, bench}:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
