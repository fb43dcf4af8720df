#!/usr/bin/env python3
"""Real Microsoft Graph clients against a running `entralab serve`.

Usage: python graph_clients.py INFO_FILE

INFO_FILE is what `entralab serve --info-file` wrote. The server must serve the four built-in
labs and tests/data/population-small.yaml (`entralab serve scenarios
tests/data/population-small.yaml`). The caller sets SSL_CERT_FILE (httpx, aiohttp) and
REQUESTS_CA_BUNDLE (requests, used by MSAL) to the server's certificate; when they are unset
this script sets them from the info file before any client is made.

Prints one line per check and finally `N passed, M failed`. Stops at the first failure and
exits 1; exits 0 when every check passes.
"""

import asyncio
import enum
import json
import logging
import os
import re
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import timezone

from checks import CheckFailed, expect, expect_eq, registry, run_checks

GRAPH_SCOPE = "https://graph.microsoft.com/.default"

USER01 = "user01-password-failures"
USER02 = "user02-smart-lockout"
USER03 = "user03-sspr"
SAME = "same-wrong-password"
POPULATION = "population-small"

# The lab's two Graph queries (../shared/reference/seed-lab.md), with only the host swapped.
LAB_SIGN_INS = (
    "/v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%202025-03-17T15:00:00Z"
    "%20and%20createdDateTime%20lt%202025-03-17T15:10:00Z"
)
LAB_AUDITS = (
    "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202025-03-17T16:20:00Z"
    "%20and%20activityDateTime%20lt%202025-03-17T16:40:05Z"
)


# --- setup -------------------------------------------------------------------------------

if len(sys.argv) != 2:
    print("usage: graph_clients.py INFO_FILE", file=sys.stderr)
    sys.exit(2)

with open(sys.argv[1], encoding="utf-8") as f:
    INFO = json.load(f)

BASE = INFO["base_url"].rstrip("/")
CERT = INFO.get("certificate")
if not BASE.startswith("https://") or not CERT:
    print(f"FAIL setup: the server must serve HTTPS with a certificate (base_url {BASE}, certificate {CERT})")
    print("0 passed, 1 failed")
    sys.exit(1)
for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
    if not os.environ.get(variable):
        os.environ[variable] = CERT
        print(f"note: {variable} was unset; using {CERT}")

# azure-identity logs every failed get_token as a warning; the error checks cause them on purpose.
logging.getLogger("azure.identity").setLevel(logging.ERROR)

TLS = ssl.create_default_context(cafile=CERT)
# One tenant can be described by several scenario files (the seed lab's user01, user02 and
# user03 are one tenant): look a tenant up by any of its scenarios' names.
TENANTS = {name: t for t in INFO["tenants"] for name in t.get("scenarios", [t["name"]])}


def tenant(name):
    t = TENANTS.get(name)
    if t is None:
        raise CheckFailed(f"the server does not serve tenant {name!r} (serving {sorted(TENANTS)})")
    if not t.get("client_id") or not t.get("client_secret"):
        raise CheckFailed(f"tenant {name!r} has no app registration to read it with")
    return t


# --- raw HTTP (what curl does) ------------------------------------------------------------


def http(method, url, headers=None, body=None):
    """(status, headers, parsed JSON body or None). Sends `url` exactly as given."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=TLS, timeout=30) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        status, response_headers, raw = e.code, e.headers, e.read()
    try:
        parsed = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        parsed = None
    return status, response_headers, parsed


_tokens = {}


def raw_token(name):
    """A token for tenant `name` from the token endpoint, as the lab's curl gets it."""
    if name not in _tokens:
        t = tenant(name)
        form = urllib.parse.urlencode(
            {
                "client_id": t["client_id"],
                "client_secret": t["client_secret"],
                "grant_type": "client_credentials",
                "scope": GRAPH_SCOPE,
            }
        ).encode()
        status, _, body = http(
            "POST",
            f"{BASE}/{t['tenant_id']}/oauth2/v2.0/token",
            {"Content-Type": "application/x-www-form-urlencoded"},
            form,
        )
        expect_eq(status, 200, f"token status for {name} ({body})")
        _tokens[name] = body["access_token"]
    return _tokens[name]


def graph_get(name, url):
    if url.startswith("/"):
        url = BASE + url
    status, _, body = http("GET", url, {"Authorization": f"Bearer {raw_token(name)}"})
    expect_eq(status, 200, f"status of GET {url} ({body})")
    expect(isinstance(body, dict) and isinstance(body.get("value", None), list), f"GET {url}: no value array: {body}")
    return body


def follow(name, url, top):
    """Every row behind `url`, following @odata.nextLink verbatim; checks each page."""
    rows, pages, seen_links = [], 0, set()
    while url:
        body = graph_get(name, url)
        pages += 1
        page = body["value"]
        expect(len(page) <= top, f"page {pages} of {url} has {len(page)} rows, more than $top={top}")
        rows.extend(page)
        url = body.get("@odata.nextLink")
        if url is not None:
            expect(len(page) > 0, f"an empty page with a nextLink: {url}")
            expect(url.startswith(BASE + "/v1.0/auditLogs/"), f"nextLink is not an absolute link to this server: {url}")
            expect(url not in seen_links, f"nextLink repeats: {url}")
            seen_links.add(url)
        expect(pages <= 10_000, "paging does not end")
    return rows, pages


def ids(rows):
    return [r["id"] for r in rows]


def time_of(row):
    return row.get("createdDateTime") or row.get("activityDateTime")


def expect_newest_first(rows, what):
    times = [time_of(r) for r in rows]
    # Graph timestamps of one kind have one shape, so strings compare like instants except
    # for audit timestamps with trimmed fractions: compare them as instants.
    parsed = [parse_time(t) for t in times]
    for i in range(1, len(parsed)):
        expect(parsed[i - 1] >= parsed[i], f"{what}: row {i} ({times[i]}) is newer than row {i - 1} ({times[i - 1]})")


def parse_time(text):
    from datetime import datetime

    head, _, fraction = text.rstrip("Z").partition(".")
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(microsecond=micro), int((fraction + "0000000")[6:7] or 0)


def expect_unique(values, what):
    seen = set()
    for v in values:
        expect(v not in seen, f"{what}: {v} appears twice")
        seen.add(v)


# --- the Graph SDK --------------------------------------------------------------------------


def aio_credential(name, secret=None, tenant_id=None):
    from azure.identity.aio import ClientSecretCredential

    t = tenant(name)
    return ClientSecretCredential(
        tenant_id or t["tenant_id"],
        t["client_id"],
        secret or t["client_secret"],
        authority=BASE,
        disable_instance_discovery=True,
    )


def graph_client(credential):
    from msgraph import GraphServiceClient

    client = GraphServiceClient(credential, scopes=[GRAPH_SCOPE])
    client.request_adapter.base_url = BASE + "/v1.0"
    return client


async def sdk_list(name, builder_name, top, filter=None, orderby=None, select=None):
    """Every item through msgraph_core's PageIterator; (items, pages)."""
    from msgraph.generated.audit_logs.directory_audits.directory_audits_request_builder import (
        DirectoryAuditsRequestBuilder,
    )
    from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder

    credential = aio_credential(name)
    async with credential:
        client = graph_client(credential)
        if builder_name == "signIns":
            builder = client.audit_logs.sign_ins
            parameters = SignInsRequestBuilder.SignInsRequestBuilderGetQueryParameters(
                top=top, filter=filter, orderby=orderby, select=select
            )
        else:
            builder = client.audit_logs.directory_audits
            parameters = DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(
                top=top, filter=filter, orderby=orderby, select=select
            )
        return await sdk_pages(builder, parameters, top)


async def sdk_pages(builder, parameters, top):
    """Every item behind the request `builder` with the query `parameters`, through msgraph_core's
    PageIterator, each page checked to hold at most `top` items; (items, pages)."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph_core.tasks.page_iterator import PageIterator

    first = await builder.get(request_configuration=RequestConfiguration(query_parameters=parameters))
    expect(first is not None, "the SDK returned no first page")
    expect(len(first.value or []) <= top, f"the first page has {len(first.value)} items, more than $top={top}")
    items = []
    pages = [1]
    iterator = PageIterator(first, builder.request_adapter)
    original_next = iterator.next

    async def counting_next():
        page = await original_next()
        if page is not None:
            pages[0] += 1
            expect(len(page.value or []) <= top, f"page {pages[0]} has {len(page.value)} items, more than $top={top}")
        return page

    iterator.next = counting_next
    await iterator.iterate(lambda item: items.append(item) or True)
    return items, pages[0]


def sdk_time(item):
    return getattr(item, "created_date_time", None) or getattr(item, "activity_date_time", None)


def compare_sdk_to_raw(items, pages, rows, top, what):
    got = [i.id for i in items]
    expect_unique(got, f"{what} through the SDK")
    expect_eq(len(got), len(rows), f"{what}: number of items through the SDK vs raw $top=1000")
    expect(got == ids(rows), f"{what}: the SDK's ids differ from raw $top=1000 in order or content")
    expected_pages = max(1, -(-len(rows) // top))
    expect(pages >= 2, f"{what}: only {pages} page(s), paging was not exercised")
    expect_eq(pages, expected_pages, f"{what}: pages for {len(rows)} items at $top={top}")
    for item in items:
        expect(sdk_time(item) is not None and sdk_time(item).tzinfo is not None, f"{what}: item {item.id} has no parsed timestamp")


# Fields real v1.0 Graph sends that the SDK's models lack (../shared/reference/graph-api.md
# 3.2, the lab's own directoryAudits rows in seed-lab.md): the SDK keeps them in additional_data.
BEYOND_THE_SDK = {"UserIdentity": {"userType", "homeTenantId", "homeTenantName"}}


def expect_model_matches(raw, model, path):
    """Every field of `raw` (Graph JSON) arrived in the SDK model `model`: no field landed in
    additional_data (a name the SDK does not know), no enum member became None (a value the
    SDK does not know), every value is the same."""
    if isinstance(raw, dict):
        expect(model is not None, f"{path}: the SDK parsed nothing")
        extra = {k: v for k, v in (getattr(model, "additional_data", None) or {}).items() if not k.startswith("@odata.")}
        known = BEYOND_THE_SDK.get(type(model).__name__, set())
        unknown = sorted(set(extra) - known)
        expect(not unknown, f"{path}: fields the SDK does not know: {unknown}")
        for key, value in raw.items():
            if key.startswith("@odata."):
                continue
            if key in known:
                expect_eq(extra.get(key), value, f"{path}.{key} (kept in additional_data)")
                continue
            attribute = re.sub(r"([A-Z])", r"_\1", key).lower()
            expect(hasattr(model, attribute), f"{path}.{key}: the SDK model {type(model).__name__} has no {attribute}")
            expect_model_matches(value, getattr(model, attribute), f"{path}.{key}")
    elif isinstance(raw, list):
        expect(isinstance(model, list) and len(model) == len(raw), f"{path}: list {raw!r} parsed as {model!r}")
        for i, (r, m) in enumerate(zip(raw, model)):
            expect_model_matches(r, m, f"{path}[{i}]")
    elif raw is None:
        expect(model is None, f"{path}: null parsed as {model!r}")
    else:
        expect(model is not None, f"{path}: {raw!r} parsed as None (unknown enum member or bad literal)")
        if isinstance(model, enum.Enum):
            model = model.value
        if hasattr(model, "isoformat"):
            expect(model.tzinfo is not None, f"{path}: {raw!r} parsed without a time zone")
            expect_eq(parse_time(raw)[0], model.astimezone(timezone.utc).replace(tzinfo=None), f"{path}: timestamp")
        else:
            expect_eq(model, raw, f"{path}: value")


# --- checks ---------------------------------------------------------------------------------

CHECKS, check = registry()


@check("curl flow: client-credentials token for the user01 tenant")
def _():
    t = tenant(USER01)
    form = urllib.parse.urlencode(
        {
            "client_id": t["client_id"],
            "client_secret": t["client_secret"],
            "grant_type": "client_credentials",
            "scope": GRAPH_SCOPE,
        }
    ).encode()
    status, headers, body = http("POST", f"{BASE}/{t['tenant_id']}/oauth2/v2.0/token", {}, form)
    expect_eq(status, 200, f"status ({body})")
    expect_eq(body.get("token_type"), "Bearer", "token_type")
    expect(isinstance(body.get("expires_in"), int) and body["expires_in"] > 0, f"expires_in: {body.get('expires_in')!r}")
    token = body.get("access_token", "")
    expect(token.startswith("eyJ") and token.count(".") == 2, f"access_token is not JWT-shaped: {token[:40]}")
    expect("no-store" in (headers.get("Cache-Control") or ""), "token response without Cache-Control: no-store")


@check("curl flow: lab query 1 (user01 signIns 15:00-15:10) gives 4 rows, success at 15:08:07 by ユーザ01")
def _():
    rows = graph_get(USER01, LAB_SIGN_INS)["value"]
    expect_eq(len(rows), 4, "rows")
    expect_eq(sorted(r["status"]["errorCode"] for r in rows), [0, 50126, 50126, 50140], "error codes")
    success = [r for r in rows if r["status"]["errorCode"] == 0]
    expect_eq(success[0]["createdDateTime"], "2025-03-17T15:08:07Z", "success createdDateTime")
    expect_eq(success[0]["userDisplayName"], "ユーザ01", "success userDisplayName")
    expect_newest_first(rows, "lab query 1")


@check("curl flow: lab query 2 (user03 directoryAudits 16:20-16:40:05) gives 20 rows, 2 failures, newest blocked")
def _():
    rows = graph_get(USER03, LAB_AUDITS)["value"]
    expect_eq(len(rows), 20, "rows")
    expect_newest_first(rows, "lab query 2")
    failures = [r for r in rows if r["result"] == "failure"]
    expect_eq(len(failures), 2, "failure rows")
    newest = max(failures, key=lambda r: parse_time(r["activityDateTime"]))
    expect_eq(newest["activityDisplayName"], "Blocked from self-service password reset", "newest failure")
    expect_eq(failures[0]["id"], newest["id"], "the newest failure comes first")


@check("one tenant: user01, user02 and user03 share the seed lab's tenant, and its queries return both labs")
def _():
    ids_of = {tenant(name)["tenant_id"] for name in (USER01, USER02, USER03)}
    expect_eq(ids_of, {"e17a1ab0-0000-4000-8000-000000000001"}, "tenant ids of the three labs")
    expect(tenant(SAME)["tenant_id"] != tenant(USER01)["tenant_id"], "same-wrong-password is its own tenant")
    user01 = graph_get(USER02, LAB_SIGN_INS)["value"]
    expect_eq({r["userPrincipalName"] for r in user01}, {"user01@xxx.onmicrosoft.com"}, "user01's window read with user02's name")
    flt = "createdDateTime ge 2025-03-17T15:42:00Z and createdDateTime lt 2025-03-17T15:43:00Z"
    user02 = graph_get(USER01, "/v1.0/auditLogs/signIns?$filter=" + urllib.parse.quote(flt, safe=":/"))["value"]
    expect(len(user02) > 0 and all(r["userPrincipalName"] == "user02@xxx.onmicrosoft.com" for r in user02), "user02's 15:42 rows")


@check("login host: openid-configuration and instance discovery point at this server")
def _():
    tid = tenant(USER01)["tenant_id"]
    status, _, body = http("GET", f"{BASE}/{tid}/v2.0/.well-known/openid-configuration")
    expect_eq(status, 200, f"openid-configuration status ({body})")
    expect_eq(body.get("token_endpoint"), f"{BASE}/{tid}/oauth2/v2.0/token", "token_endpoint")
    expect_eq(body.get("issuer"), f"{BASE}/{tid}/v2.0", "issuer")
    authorize = urllib.parse.quote(f"{BASE}/{tid}/oauth2/v2.0/authorize", safe="")
    status, _, body = http("GET", f"{BASE}/common/discovery/instance?api-version=1.1&authorization_endpoint={authorize}")
    expect_eq(status, 200, f"instance discovery status ({body})")
    expect_eq(body.get("tenant_discovery_endpoint"), f"{BASE}/{tid}/v2.0/.well-known/openid-configuration", "tenant_discovery_endpoint")


def info_curl_check(name):
    def run():
        t = tenant(name)
        commands = t.get("curl") or []
        expect(len(commands) >= 2, f"the info file has no curl commands for {name}")
        # One query per scenario file and collection: together they return every row.
        seen = {"signIns": 0, "directoryAudits": 0}
        for query in commands[1:]:
            script = f"set -e\n{commands[0]}\n{query}\n"
            done = subprocess.run(["bash", "-c", script], capture_output=True, timeout=60)
            expect_eq(done.returncode, 0, f"exit code of the info file's curl ({done.stderr.decode(errors='replace')})")
            body = json.loads(done.stdout.decode("utf-8"))
            expect("value" in body, f"curl answer has no value: {body}")
            expect(len(body["value"]) > 0, f"no rows from the info file's query {query}")
            seen["signIns" if "/signIns?" in query else "directoryAudits"] += len(body["value"])
        expect_eq(seen["signIns"], t["sign_ins"], "sign-ins from the info file's queries")
        expect_eq(seen["directoryAudits"], t["directory_audits"], "audits from the info file's queries")

    return run


if shutil.which("curl") and shutil.which("bash"):
    for _name in (USER01, SAME):
        CHECKS.append((f"info file's curl commands for {_name} run as printed and return every row", info_curl_check(_name)))
else:
    print("note: curl or bash missing; the info file's curl commands are not run")


@check("msgraph-sdk: population-small signIns, $top=3, PageIterator follows every page")
def _():
    rows = graph_get(POPULATION, "/v1.0/auditLogs/signIns?$top=1000")["value"]
    expect_eq(len(rows), tenant(POPULATION)["sign_ins"], "raw rows vs the info file")
    items, pages = asyncio.run(sdk_list(POPULATION, "signIns", 3))
    compare_sdk_to_raw(items, pages, rows, 3, "population signIns")


@check("msgraph-sdk: population-small signIns with $filter, $top=3, PageIterator")
def _():
    flt = "createdDateTime ge 2025-04-01T06:00:00Z and createdDateTime lt 2025-04-01T20:00:00Z and status/errorCode eq 0"
    rows = graph_get(POPULATION, "/v1.0/auditLogs/signIns?$top=1000&$filter=" + urllib.parse.quote(flt, safe=":/"))["value"]
    expect(len(rows) > 6, f"the filter matches only {len(rows)} rows")
    items, pages = asyncio.run(sdk_list(POPULATION, "signIns", 3, filter=flt))
    compare_sdk_to_raw(items, pages, rows, 3, "filtered population signIns")
    for item in items:
        expect_eq(item.status.error_code, 0, f"errorCode of {item.id}")


@check("msgraph-sdk: population-small signIns, $orderby asc + $select, $top=4, PageIterator")
def _():
    flt = "createdDateTime ge 2025-04-01T03:00:00Z"
    query = urllib.parse.quote(flt, safe=":/")
    rows = graph_get(POPULATION, f"/v1.0/auditLogs/signIns?$top=1000&$filter={query}&$orderby=createdDateTime%20asc")["value"]
    newest_first = graph_get(POPULATION, f"/v1.0/auditLogs/signIns?$top=1000&$filter={query}")["value"]
    expect_eq(ids(rows), list(reversed(ids(newest_first))), "ascending order is the reverse of the default")
    items, pages = asyncio.run(
        sdk_list(POPULATION, "signIns", 4, filter=flt, orderby=["createdDateTime asc"], select=["id", "createdDateTime", "status"])
    )
    compare_sdk_to_raw(items, pages, rows, 4, "ascending population signIns")
    expect(all(i.user_principal_name is None for i in items), "$select did not project the rows")


@check("msgraph-sdk: user02 signIns in the lab window, $top=3, PageIterator")
def _():
    flt = "createdDateTime ge 2025-03-17T15:40:00Z and createdDateTime lt 2025-03-17T15:45:00Z"
    rows = graph_get(USER02, "/v1.0/auditLogs/signIns?$top=1000&$filter=" + urllib.parse.quote(flt, safe=":/"))["value"]
    every = graph_get(USER02, "/v1.0/auditLogs/signIns?$top=1000")["value"]
    expect_eq(len(every), tenant(USER02)["sign_ins"], "raw rows vs the info file")
    lo, hi = parse_time("2025-03-17T15:40:00Z"), parse_time("2025-03-17T15:45:00Z")
    in_window = [r for r in every if lo <= parse_time(r["createdDateTime"]) < hi]
    expect_eq(len(rows), len(in_window), "rows in the lab window")
    expect(all(r["userPrincipalName"] == "user02@xxx.onmicrosoft.com" for r in rows), "the lab window holds user02's rows only")
    items, pages = asyncio.run(sdk_list(USER02, "signIns", 3, filter=flt))
    compare_sdk_to_raw(items, pages, rows, 3, "user02 signIns")
    codes = [i.status.error_code for i in items]
    expect(50053 in codes and 50126 in codes, f"user02 codes lack lockout: {codes}")


@check("msgraph-sdk: user03 directoryAudits, $top=5, PageIterator, then one by id")
def _():
    rows = graph_get(USER03, "/v1.0/auditLogs/directoryAudits?$top=1000")["value"]
    expect_eq(len(rows), tenant(USER03)["directory_audits"], "raw rows vs the info file")
    items, pages = asyncio.run(sdk_list(USER03, "directoryAudits", 5))
    compare_sdk_to_raw(items, pages, rows, 5, "user03 directoryAudits")
    from msgraph.generated.models.operation_result import OperationResult

    failures = [i for i in items if i.result == OperationResult.Failure]
    expect_eq(len(failures), 2, "failures through the SDK")
    expect_eq(failures[0].activity_display_name, "Blocked from self-service password reset", "newest failure")
    expect(failures[0].initiated_by is not None and failures[0].target_resources, "the failure lacks initiatedBy / targetResources")

    async def one():
        credential = aio_credential(USER03)
        async with credential:
            client = graph_client(credential)
            return await client.audit_logs.directory_audits.by_directory_audit_id(failures[0].id).get()

    audit = asyncio.run(one())
    expect_eq(audit.id, failures[0].id, "id of the audit read by id")
    expect_eq(audit.activity_display_name, failures[0].activity_display_name, "activity of the audit read by id")
    expect_eq(audit.activity_date_time, failures[0].activity_date_time, "time of the audit read by id")


def fields_check(name):
    def run():
        t = tenant(name)
        for collection, count in (("signIns", t["sign_ins"]), ("directoryAudits", t["directory_audits"])):
            if count == 0:
                continue
            rows = graph_get(name, f"/v1.0/auditLogs/{collection}?$top=1000")["value"]
            items, _ = asyncio.run(sdk_list(name, collection, 1000))
            expect_eq([i.id for i in items], ids(rows), f"{collection} ids through the SDK")
            for row, item in zip(rows, items):
                expect_model_matches(row, item, f"{collection}/{row['id']}")

    return run


# The directory-change labs (issue 9): between them one row of nearly every audit activity.
AUDIT_LABS = (
    "privileged-role-outside-pim",
    "app-credential-after-admin-consent",
    "tenant-backdoors",
    "benign-admin-noise",
    "bitlocker-key-read",
)

# USER01 is the seed lab's tenant (user01, user02 and user03).
for _name in (USER01, SAME, POPULATION) + AUDIT_LABS:
    CHECKS.append((f"msgraph-sdk: every field of every {_name} record parses into the SDK model", fields_check(_name)))


@check("msgraph-sdk: user01 sign-in read by id")
def _():
    row = graph_get(USER01, LAB_SIGN_INS)["value"][0]

    async def one():
        credential = aio_credential(USER01)
        async with credential:
            client = graph_client(credential)
            return await client.audit_logs.sign_ins.by_sign_in_id(row["id"]).get()

    item = asyncio.run(one())
    expect_eq(item.id, row["id"], "id")
    expect_eq(item.user_display_name, row["userDisplayName"], "userDisplayName")
    expect_eq(item.status.error_code, row["status"]["errorCode"], "errorCode")
    expect_eq(item.correlation_id, row["correlationId"], "correlationId")


@check("azure-identity sync ClientSecretCredential (MSAL, openid-configuration) gets a working token")
def _():
    from azure.identity import ClientSecretCredential

    t = tenant(USER01)
    credential = ClientSecretCredential(
        t["tenant_id"], t["client_id"], t["client_secret"], authority=BASE, disable_instance_discovery=True
    )
    token = credential.get_token(GRAPH_SCOPE)
    expect(token.token.count(".") == 2, f"not a JWT: {token.token[:40]}")
    expect(token.expires_on > 0, "no expiry")
    status, _, body = http("GET", BASE + "/v1.0/auditLogs/signIns?$top=1", {"Authorization": f"Bearer {token.token}"})
    expect_eq(status, 200, f"Graph with the sync credential's token ({body})")
    expect_eq(len(body["value"]), 1, "rows")


@check("msal ConfidentialClientApplication (instance_discovery=False) gets a working token")
def _():
    import msal

    t = tenant(USER03)
    app = msal.ConfidentialClientApplication(
        t["client_id"],
        client_credential=t["client_secret"],
        authority=f"{BASE}/{t['tenant_id']}",
        instance_discovery=False,
    )
    result = app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    expect("access_token" in result, f"MSAL returned no token: {result}")
    expect_eq(result.get("token_type"), "Bearer", "token_type")
    status, _, body = http(
        "GET", BASE + "/v1.0/auditLogs/directoryAudits?$top=2", {"Authorization": f"Bearer {result['access_token']}"}
    )
    expect_eq(status, 200, f"Graph with MSAL's token ({body})")
    wrong = msal.ConfidentialClientApplication(
        t["client_id"], client_credential="wrong", authority=f"{BASE}/{t['tenant_id']}", instance_discovery=False
    ).acquire_token_for_client(scopes=[GRAPH_SCOPE])
    expect_eq(wrong.get("error"), "invalid_client", f"MSAL error for a wrong secret ({wrong})")
    expect_eq(wrong.get("error_codes"), [7000215], "MSAL error codes for a wrong secret")


@check("msgraph-sdk: a wrong client secret raises ClientAuthenticationError with AADSTS7000215")
def _():
    from azure.core.exceptions import ClientAuthenticationError

    async def attempt():
        credential = aio_credential(USER01, secret="not-the-secret")
        async with credential:
            await graph_client(credential).audit_logs.sign_ins.get()

    try:
        asyncio.run(attempt())
    except ClientAuthenticationError as e:
        expect("AADSTS7000215" in str(e), f"the error does not mention AADSTS7000215: {e}")
        expect("invalid_client" in str(e), f"the error does not mention invalid_client: {e}")
        return
    raise CheckFailed("no ClientAuthenticationError")


@check("azure-identity sync: a wrong client secret raises ClientAuthenticationError with AADSTS7000215")
def _():
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import ClientSecretCredential

    t = tenant(USER01)
    credential = ClientSecretCredential(t["tenant_id"], t["client_id"], "wrong", authority=BASE, disable_instance_discovery=True)
    try:
        credential.get_token(GRAPH_SCOPE)
    except ClientAuthenticationError as e:
        expect("AADSTS7000215" in str(e), f"the error does not mention AADSTS7000215: {e}")
        return
    raise CheckFailed("no ClientAuthenticationError")


@check("msgraph-sdk: an unknown tenant raises ClientAuthenticationError with AADSTS90002")
def _():
    from azure.core.exceptions import ClientAuthenticationError

    async def attempt():
        credential = aio_credential(USER01, tenant_id="00000000-0000-0000-0000-00000000dead")
        async with credential:
            await graph_client(credential).audit_logs.sign_ins.get()

    try:
        asyncio.run(attempt())
    except ClientAuthenticationError as e:
        expect("AADSTS90002" in str(e), f"the error does not mention AADSTS90002: {e}")
        return
    raise CheckFailed("no ClientAuthenticationError")


@check("msgraph-sdk: a quoted DateTimeOffset in $filter raises ODataError 400 BadRequest 'Invalid filter clause'")
def _():
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    async def attempt():
        credential = aio_credential(USER01)
        async with credential:
            parameters = SignInsRequestBuilder.SignInsRequestBuilderGetQueryParameters(
                filter="createdDateTime ge '2025-03-17T15:00:00Z'"
            )
            await graph_client(credential).audit_logs.sign_ins.get(
                request_configuration=RequestConfiguration(query_parameters=parameters)
            )

    try:
        asyncio.run(attempt())
    except ODataError as e:
        expect_eq(e.response_status_code, 400, "response_status_code")
        expect(e.error is not None, "ODataError without error")
        expect_eq(e.error.code, "BadRequest", "error.code")
        expect_eq(e.error.message, "Invalid filter clause", "error.message")
        expect(e.error.inner_error is not None and e.error.inner_error.request_id, "no innerError.request-id")
        return
    raise CheckFailed("no ODataError")


def paging_check(name, collection, filters):
    def run():
        t = tenant(name)
        base_path = f"/v1.0/auditLogs/{collection}"
        everything = graph_get(name, base_path + "?$top=1000")
        expect("@odata.nextLink" not in everything, "a nextLink after every row fit in one page")
        all_rows = everything["value"]
        total = t["sign_ins"] if collection == "signIns" else t["directory_audits"]
        expect_eq(len(all_rows), total, f"{collection} rows vs the info file")
        expect_newest_first(all_rows, f"{name} {collection}")
        expect_unique(ids(all_rows), f"{name} {collection}")
        for label, flt, keep in filters(all_rows):
            suffix = "" if flt is None else "&$filter=" + urllib.parse.quote(flt, safe=":/")
            reference = graph_get(name, f"{base_path}?$top=1000{suffix}")["value"]
            expect_eq(ids(reference), ids([r for r in all_rows if keep(r)]), f"{label}: server filter vs the same filter in Python")
            for top in (1, 7, 1000):
                rows, pages = follow(name, f"{BASE}{base_path}?$top={top}{suffix}", top)
                expect_unique(ids(rows), f"{label} $top={top}")
                expect(ids(rows) == ids(reference), f"{label} $top={top}: {len(rows)} rows through nextLink differ from {len(reference)} at $top=1000")
                expect_eq(pages, max(1, -(-len(reference) // top)), f"{label} $top={top}: pages")
            if collection == "signIns" and flt is not None:
                rows, _ = follow(name, f"{BASE}{base_path}?$top=7{suffix}&$orderby=createdDateTime%20asc", 7)
                expect(ids(rows) == list(reversed(ids(reference))), f"{label} ascending: not the reverse of the default order")

    return run


def sign_in_filters(rows):
    yield "no filter", None, lambda r: True
    if len(rows) >= 4:
        lo = rows[(3 * len(rows)) // 4]["createdDateTime"]
        hi = rows[len(rows) // 4]["createdDateTime"]
        yield (
            f"window {lo}..{hi}",
            f"createdDateTime ge {lo} and createdDateTime le {hi}",
            lambda r: parse_time(lo) <= parse_time(r["createdDateTime"]) <= parse_time(hi),
        )
    yield "errorCode 50126", "status/errorCode eq 50126", lambda r: r["status"]["errorCode"] == 50126


def audit_filters(rows):
    yield "no filter", None, lambda r: True
    yield "result failure", "result eq 'failure'", lambda r: r["result"] == "failure"


for _name in (USER02, SAME, POPULATION):
    CHECKS.append(
        (f"raw paging: {_name} signIns via nextLink at $top 1, 7, 1000, with and without $filter", paging_check(_name, "signIns", sign_in_filters))
    )
CHECKS.append(
    (f"raw paging: {USER03} directoryAudits via nextLink at $top 1, 7, 1000", paging_check(USER03, "directoryAudits", audit_filters))
)


# --- every audit activity (issue 9) ---------------------------------------------------------

# tests/data/every-audit-activity.yaml: one row of every activity entralab writes, a few failed
# (tests/integration/audit_every_activity.rs walks the catalogue against it).
EVERY = "every-audit-activity"
EVERY_ADMIN = "admin@contoso-lab-f9.onmicrosoft.com"


def every_activity_filters(rows):
    """The directoryAudits $filters issue 9 lists, each with the same test in Python."""
    yield "no filter", None, lambda r: True
    yield "category", "category eq 'ApplicationManagement'", lambda r: r["category"] == "ApplicationManagement"
    yield (
        "activityDisplayName",
        "activityDisplayName eq 'Add member to role'",
        lambda r: r["activityDisplayName"] == "Add member to role",
    )
    yield (
        "initiator's UPN",
        f"initiatedBy/user/userPrincipalName eq '{EVERY_ADMIN}'",
        lambda r: (r["initiatedBy"].get("user") or {}).get("userPrincipalName") == EVERY_ADMIN,
    )
    yield (
        "a target of type Device",
        "targetResources/any(t: t/type eq 'Device')",
        lambda r: any(t["type"] == "Device" for t in r["targetResources"]),
    )
    yield "loggedByService", "loggedByService eq 'PIM'", lambda r: r["loggedByService"] == "PIM"
    yield (
        "failed application management",
        "result eq 'failure' and category eq 'ApplicationManagement'",
        lambda r: r["result"] == "failure" and r["category"] == "ApplicationManagement",
    )


@check(f"msgraph-sdk: {EVERY} directoryAudits under each documented $filter parse with no unknown field")
def _():
    everything = graph_get(EVERY, "/v1.0/auditLogs/directoryAudits?$top=1000")["value"]
    expect_eq(len(everything), tenant(EVERY)["directory_audits"], "raw rows vs the info file")
    names = {r["activityDisplayName"] for r in everything}
    expect(len(names) >= 65, f"only {len(names)} distinct activities served")
    for label, flt, keep in every_activity_filters(everything):
        expected = [r for r in everything if keep(r)]
        expect(expected, f"{label}: the filter selects nothing, so it tests nothing")
        items, _ = asyncio.run(sdk_list(EVERY, "directoryAudits", 7, filter=flt))
        expect_eq([i.id for i in items], ids(expected), f"{label}: ids through the SDK")
        for row, item in zip(expected, items):
            expect_model_matches(row, item, f"{label}: directoryAudits/{row['id']}")


CHECKS.append(
    (f"msgraph-sdk: every field of every {EVERY} record parses into the SDK model", fields_check(EVERY))
)
CHECKS.append(
    (
        f"raw paging: {EVERY} directoryAudits via nextLink at $top 1, 7, 1000 under each documented $filter",
        paging_check(EVERY, "directoryAudits", every_activity_filters),
    )
)


# --- run ------------------------------------------------------------------------------------


if __name__ == "__main__":
    sys.exit(run_checks(CHECKS))
