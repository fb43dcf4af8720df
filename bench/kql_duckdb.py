"""duckdb-kql's side of bench/kql-vs-duckdb.sh: load Log Analytics NDJSON into DuckDB, run one
KQL query with duckdb-kql, fetch every row; print the row count and the load and query times.

    python kql_duckdb.py FILE.ndjson 'KQL'
"""

import sys
import time

import duckdb_kql

started = time.perf_counter()
con = duckdb_kql.connect()
con.sql(f"CREATE TABLE SigninLogs AS SELECT * FROM read_json_auto('{sys.argv[1]}')")
loaded = time.perf_counter()
rows = duckdb_kql.query(con, sys.argv[2]).fetchall()
done = time.perf_counter()
print(f"{len(rows)} rows; load {loaded - started:.2f} s, query {done - loaded:.2f} s", file=sys.stderr)
