"""The differential oracle for entralab's KQL engine (tests/integration/kql_differential.rs).

Loads Log Analytics rows (NDJSON, as `entralab generate --format loganalytics` writes them)
into DuckDB as one table each, runs every query of a JSON list with duckdb-kql and prints, as
one JSON document, per query either {"columns": [...], "rows": [[...]]} or {"error": "..."}.
Datetimes are written as ISO 8601 UTC text, everything else as JSON scalars.

    python kql_oracle.py QUERIES.json TABLE=FILE.ndjson [TABLE=FILE.ndjson ...]
"""

import datetime
import decimal
import json
import sys
import time
import uuid

import duckdb_kql


def cell(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (decimal.Decimal,)):
        return float(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return value


def main():
    queries = json.load(open(sys.argv[1]))
    con = duckdb_kql.connect()
    for spec in sys.argv[2:]:
        table, path = spec.split("=", 1)
        con.sql(f"CREATE TABLE {table} AS SELECT * FROM read_json_auto('{path}')")
    results = []
    started = time.perf_counter()
    for query in queries:
        try:
            relation = duckdb_kql.query(con, query)
            results.append({
                "columns": list(relation.columns),
                "rows": [[cell(v) for v in row] for row in relation.fetchall()],
            })
        except Exception as error:  # the oracle's own limits: reported, compared by the caller
            results.append({"error": f"{type(error).__name__}: {error}"[:300]})
    json.dump({"results": results, "seconds": time.perf_counter() - started}, sys.stdout)


if __name__ == "__main__":
    main()
