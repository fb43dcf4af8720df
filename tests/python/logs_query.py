#!/usr/bin/env python3
"""azure-monitor-query's LogsQueryClient against the Log Analytics query API of `entralab serve`.

Usage: python logs_query.py INFO_FILE EXPECTED_FILE

INFO_FILE is what `entralab serve --info-file` wrote for a server of the seed lab
(scenarios/user01..03 and same-wrong-password.yaml) over HTTPS; SSL_CERT_FILE and
REQUESTS_CA_BUNDLE are its certificate. EXPECTED_FILE is what `entralab query --format json`
printed for LOCKOUTS over the seed lab's tenant: the served API must give the same rows.

The client is unchanged but for its endpoint and its audience: LogsQueryClient asks for a token
for `<audience>/.default` and its audience defaults to the endpoint, so a client pointed at the
mock passes `audience="https://api.loganalytics.io"`, as it would for a sovereign cloud.

Prints one line per check and finally `N passed, M failed`; exits 1 at the first failure.
"""

import base64
import json
import logging
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from checks import expect, expect_eq, registry, run_checks

LOGS_AUDIENCE = "https://api.loganalytics.io"
SEED_LAB = "user02-smart-lockout"
OTHER = "same-wrong-password"
LOCKOUTS = "SigninLogs | where ResultType == 50053 | summarize count() by UserPrincipalName"

if len(sys.argv) != 3:
    print("usage: logs_query.py INFO_FILE EXPECTED_FILE", file=sys.stderr)
    sys.exit(2)
with open(sys.argv[1], encoding="utf-8") as f:
    INFO = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    EXPECTED = json.load(f)["tables"][0]
BASE = INFO["base_url"].rstrip("/")
CERT = INFO["certificate"]
for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
    os.environ.setdefault(variable, CERT)
# azure-core logs every failed request as a warning; the error checks cause them on purpose.
logging.getLogger("azure").setLevel(logging.ERROR)
TENANTS = {name: t for t in INFO["tenants"] for name in t.get("scenarios", [t["name"]])}


def credential(name):
    from azure.identity import ClientSecretCredential

    t = TENANTS[name]
    return ClientSecretCredential(
        t["tenant_id"],
        t["client_id"],
        t["client_secret"],
        authority=BASE,
        disable_instance_discovery=True,
    )


def client(name=SEED_LAB, audience=LOGS_AUDIENCE):
    from azure.monitor.query import LogsQueryClient

    if audience is None:
        return LogsQueryClient(credential(name), endpoint=BASE)
    return LogsQueryClient(credential(name), endpoint=BASE, audience=audience)


def workspace(name=SEED_LAB):
    return TENANTS[name]["workspace_id"]


def query(text, timespan=None, name=SEED_LAB):
    from azure.monitor.query import LogsQueryStatus

    result = client(name).query_workspace(workspace(name), text, timespan=timespan)
    expect_eq(result.status, LogsQueryStatus.SUCCESS, f"status of {text!r}")
    expect_eq(len(result.tables), 1, "tables")
    return result.tables[0]


def rows_as_dicts(table):
    return [dict(zip(table.columns, row)) for row in table.rows]


def expect_http_error(call, status, code, what):
    from azure.core.exceptions import HttpResponseError

    try:
        call()
    except HttpResponseError as e:
        expect_eq(e.status_code, status, f"{what}: HTTP status ({e})")
        expect_eq(e.error.code if e.error else None, code, f"{what}: error code ({e})")
        return e
    raise AssertionError(f"{what}: no HttpResponseError")


CHECKS, check = registry()


@check("azure-identity: a token for https://api.loganalytics.io/.default has that audience")
def _():
    token = credential(SEED_LAB).get_token(f"{LOGS_AUDIENCE}/.default").token
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    expect_eq(claims["aud"], LOGS_AUDIENCE, "aud")
    expect_eq(claims["tid"], TENANTS[SEED_LAB]["tenant_id"], "tid")


@check("LogsQueryClient: the lockouts by user are the rows `entralab query` gives")
def _():
    table = query(LOCKOUTS)
    expect_eq(table.name, "PrimaryResult", "table name")
    expect_eq(table.columns, [c["name"] for c in EXPECTED["columns"]], "columns")
    expect_eq(table.columns_types, [c["type"] for c in EXPECTED["columns"]], "column types")
    expect_eq([list(r) for r in table.rows], EXPECTED["rows"], "rows")
    expect(len(table.rows) > 0, "the seed lab has lockouts")


@check("LogsQueryClient: typed columns (datetime, bool, long, dynamic as JSON text, string)")
def _():
    table = query(
        "SigninLogs | take 3 | project TimeGenerated, IsInteractive, DurationMs, Status, ResultType"
    )
    expect_eq(
        table.columns_types, ["datetime", "bool", "long", "dynamic", "string"], "column types"
    )
    for row in rows_as_dicts(table):
        expect(isinstance(row["TimeGenerated"], datetime), f"TimeGenerated {row['TimeGenerated']!r}")
        expect(row["TimeGenerated"].tzinfo is not None, "TimeGenerated is UTC")
        expect(isinstance(row["IsInteractive"], bool), f"IsInteractive {row['IsInteractive']!r}")
        expect(isinstance(row["DurationMs"], int), f"DurationMs {row['DurationMs']!r}")
        status = json.loads(row["Status"])
        expect_eq(str(status["errorCode"]), row["ResultType"], "Status.errorCode vs ResultType")


@check("LogsQueryClient: timespan (a duration, start/end, start/duration) restricts TimeGenerated")
def _():
    span = "SigninLogs | summarize n = count(), first = min(TimeGenerated), last = max(TimeGenerated)"
    whole = rows_as_dicts(query(span))[0]
    expect(isinstance(whole["last"], datetime), f"max(TimeGenerated) {whole['last']!r}")
    expect(whole["n"] > 2, f"the seed lab has sign-ins ({whole})")
    # A duration ends at the end of the data (the serve clock): the last five minutes.
    recent = query("SigninLogs | project TimeGenerated", timespan=timedelta(minutes=5))
    expect(len(recent.rows) > 0, "the last 5 minutes have sign-ins")
    expect(len(recent.rows) < whole["n"], "the last 5 minutes are not all of it")
    for (time,) in recent.rows:
        expect(whole["last"] - timedelta(minutes=5) <= time <= whole["last"], f"{time} is outside")
    # start/end (both included): only the first sign-in's instant; start/duration: the rest.
    first = whole["first"]
    early = query("SigninLogs | count", timespan=(first, first))
    late = query("SigninLogs | count", timespan=(first + timedelta(microseconds=1), timedelta(days=30)))
    expect(early.rows[0][0] >= 1, f"the first instant has a sign-in ({early.rows})")
    expect_eq(early.rows[0][0] + late.rows[0][0], whole["n"], "the two spans together")


@check("LogsQueryClient: a result over 500,000 rows is a LogsQueryPartialResult with the first 500,000")
def _():
    from azure.monitor.query import LogsQueryStatus

    result = client().query_workspace(workspace(), "range x from 1 to 500001 step 1", timespan=None)
    expect_eq(result.status, LogsQueryStatus.PARTIAL, "status")
    rows = result.partial_data[0].rows
    expect_eq((len(rows), rows[0][0], rows[-1][0]), (500000, 1, 500000), "rows kept")
    expect_eq(result.partial_error.code, "PartialError", f"partial error {result.partial_error}")
    expect("E_QUERY_RESULT_SET_TOO_LARGE" in str(result.partial_error.details), f"{result.partial_error}")


@check("LogsQueryClient: a bad query raises HttpResponseError 400 BadArgumentError, located")
def _():
    e = expect_http_error(
        lambda: client().query_workspace(workspace(), "SigninLogs\n| summarise count()", timespan=None),
        400,
        "BadArgumentError",
        "a misspelt operator",
    )
    text = str(e)
    expect("query:2:3: unknown operator `summarise`" in text, f"the location in {text!r}")
    expect("did you mean `summarize`?" in text, f"the hint in {text!r}")
    expect_http_error(
        lambda: client().query_workspace(workspace(), "SigninLogs | where NoSuchColumn == 1", timespan=None),
        400,
        "BadArgumentError",
        "an unknown column",
    )


@check("LogsQueryClient: a Graph token (the default audience: the endpoint) gets 403")
def _():
    expect_http_error(
        lambda: client(audience=None).query_workspace(workspace(), "SigninLogs | count", timespan=None),
        403,
        "InvalidAuthenticationTokenAudience",
        "a token for the endpoint's own audience",
    )


@check("LogsQueryClient: an unknown workspace is 404, another tenant's 403")
def _():
    expect_http_error(
        lambda: client().query_workspace("00000000-0000-0000-0000-000000000000", "SigninLogs", timespan=None),
        404,
        "WorkspaceNotFoundError",
        "an unknown workspace",
    )
    expect_http_error(
        lambda: client(OTHER).query_workspace(workspace(SEED_LAB), "SigninLogs", timespan=None),
        403,
        "InsufficientAccessError",
        "another tenant's workspace",
    )


def info_logs_curl():
    for name in (SEED_LAB, OTHER):
        t = TENANTS[name]
        token, command = t["logs_curl"]
        done = subprocess.run(["bash", "-c", f"set -e\n{token}\n{command}\n"], capture_output=True, timeout=60)
        expect_eq(done.returncode, 0, f"exit code of the info file's curl ({done.stderr.decode(errors='replace')})")
        rows = json.loads(done.stdout.decode("utf-8"))["tables"][0]["rows"]
        counts = dict(rows)
        sign_ins = counts.get("SigninLogs", 0) + counts.get("AADNonInteractiveUserSignInLogs", 0)
        expect_eq(sign_ins, t["sign_ins"], f"{name}: sign-ins counted by the info file's query")
        expect_eq(counts.get("AuditLogs", 0), t["directory_audits"], f"{name}: audits counted")


if shutil.which("curl") and shutil.which("bash"):
    CHECKS.append(("the info file's Log Analytics curl commands count every record", info_logs_curl))
else:
    print("note: curl or bash missing; the info file's Log Analytics curl commands are not run")


if __name__ == "__main__":
    sys.exit(run_checks(CHECKS))
