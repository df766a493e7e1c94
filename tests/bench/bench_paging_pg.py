"""Paging figures on PostGIS: `tests.bench.bench_paging`'s figures (10,000, 50,000 and
1,000,000 incidents) from the PostGIS store, and its ``peer`` race against pygeoapi's
PostgreSQL provider reading the same database.

The cluster (Debian's PostgreSQL 15 + PostGIS, durable: tests/pg_support.py) is kept in
``bench-data/pg`` between runs. Each size is a database ``paging_N`` holding the journal
of the SQLite store of that size, copied once as ``georisk migrate-store`` copies it, then
analysed; a million takes some minutes the first time.

pygeoapi (its PostgreSQL provider: SQLAlchemy, GeoAlchemy2 and psycopg2 in .bench-venv)
reads a table of the same incidents in the same database, set up as its documentation
shows: a primary key (the store's rid, so that its order, by key, is ours), the columns of
the SpatiaLite peer and a point geometry with a GiST index, analysed. It finds the record
ours calls ``inc-N`` by that key; the features must be the same records as ours.

Run: ``.venv/bin/python -m tests.bench.bench_paging_pg`` and
``.venv/bin/python -m tests.bench.bench_paging_pg peer [N]`` (N = 50,000 unless given).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import psycopg

from georisk.store import SQLiteStore, open_store
from georisk.store.moving import copy_store
from tests.bench.bench_paging import DATA, SIZES, measure, race, store_of, table
from tests.pg_support import TEMPLATE, Server, kept_server

CLUSTER = DATA / "pg"
#: pygeoapi's table: the columns the SpatiaLite peer has, read from each record.
PEER_TABLE = """
CREATE TABLE peer_incidents AS
SELECT e.rid AS fid, e.id, r.p -> 'properties' ->> 'title' AS title, e.category AS type,
       e.severity, e.agency, e.status, r.p -> 'properties' ->> 'reported_at' AS reported_at,
       e.geom::geometry(Point, 4326) AS geom
FROM entities AS e JOIN events AS v ON v.seq = e.seq,
     LATERAL (SELECT v.payload::jsonb AS p) AS r
WHERE e.kind = 'incident' ORDER BY e.rid;
ALTER TABLE peer_incidents ADD PRIMARY KEY (fid);
CREATE INDEX peer_incidents_geom ON peer_incidents USING gist (geom);
VACUUM ANALYZE peer_incidents;
"""


def database(server: Server, n: int) -> str:
    """The URL of ``paging_N``, made from the SQLite store of ``n`` incidents if missing."""
    name = f"paging_{n}"
    with psycopg.connect(server.url("postgres"), autocommit=True) as con:
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return server.url(name)
        partial = f"{name}_partial"
        con.execute(f"DROP DATABASE IF EXISTS {partial}")
        con.execute(f"CREATE DATABASE {partial} TEMPLATE {TEMPLATE}")
    print(f"loading {n:,} incidents into PostGIS ...", flush=True)
    source, target = SQLiteStore(store_of(n), create=False), open_store(server.url(partial))
    try:
        copy_store(source, target)
    finally:
        source.close()
        target.close()
    with psycopg.connect(server.url(partial), autocommit=True) as con:
        for statement in PEER_TABLE.split(";"):
            if statement.strip():
                con.execute(statement)
        con.execute("VACUUM ANALYZE")
    with psycopg.connect(server.url("postgres"), autocommit=True) as con:
        con.execute(f"ALTER DATABASE {partial} RENAME TO {name}")
    return server.url(name)


def peer(server: Server, n: int) -> None:
    url = database(server, n)
    with psycopg.connect(url) as con:
        (rid,) = con.execute("SELECT rid FROM entities WHERE kind = 'incident' AND id = %s",
                             (f"inc-{n // 3}",)).fetchone()
    provider = {"type": "feature", "name": "PostgreSQL", "table": "peer_incidents",
                "id_field": "fid", "geom_field": "geom",
                "data": {"host": str(server.base), "dbname": f"paging_{n}",
                         "user": "georisk", "search_path": ["public"]}}
    with tempfile.TemporaryDirectory() as work:
        race(n, url, Path(work), provider, str(rid), lambda f: f["properties"]["id"])


def main() -> None:
    with kept_server(CLUSTER) as server:
        if sys.argv[1:2] == ["peer"]:
            peer(server, int(sys.argv[2]) if len(sys.argv) > 2 else 50_000)
            return
        table({n: measure(n, database(server, n)) for n in SIZES})


if __name__ == "__main__":
    main()
