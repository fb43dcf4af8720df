#!/usr/bin/env python3
"""azure-identity renews tokens that `entralab serve --token-lifetime` makes short.

Usage: python token_renewal.py INFO_FILE LIFETIME_SECONDS

INFO_FILE is what `entralab serve --info-file` wrote for a server of the user01 lab started with
`--token-lifetime LIFETIME_SECONDS`; SSL_CERT_FILE is its certificate. Prints one line per
check and finally `N passed, M failed`; exits 1 at the first failure.
"""

import asyncio
import json
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from checks import expect, run_checks

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
LAB_FILTER = "createdDateTime ge 2025-03-17T15:00:00Z and createdDateTime lt 2025-03-17T15:10:00Z"

if len(sys.argv) != 3:
    print("usage: token_renewal.py INFO_FILE LIFETIME_SECONDS", file=sys.stderr)
    sys.exit(2)
with open(sys.argv[1], encoding="utf-8") as f:
    INFO = json.load(f)
LIFETIME = int(sys.argv[2])
BASE = INFO["base_url"].rstrip("/")
TLS = ssl.create_default_context(cafile=INFO["certificate"])
TENANT = next(t for t in INFO["tenants"] if t["name"] == "user01-password-failures")


def http(method, url, headers=None, body=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=TLS, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def raw_token():
    form = urllib.parse.urlencode(
        {
            "client_id": TENANT["client_id"],
            "client_secret": TENANT["client_secret"],
            "grant_type": "client_credentials",
            "scope": GRAPH_SCOPE,
        }
    ).encode()
    status, body = http("POST", f"{BASE}/{TENANT['tenant_id']}/oauth2/v2.0/token", {}, form)
    expect(status == 200, f"token status {status}: {body}")
    return body


def check_expires_in_and_expiry():
    body = raw_token()
    expect(body["expires_in"] == LIFETIME, f"expires_in {body['expires_in']!r}, wanted {LIFETIME}")
    expect(body["ext_expires_in"] == LIFETIME, f"ext_expires_in {body['ext_expires_in']!r}, wanted {LIFETIME}")
    url = BASE + "/v1.0/auditLogs/signIns?$top=1"
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    status, _ = http("GET", url, headers)
    expect(status == 200, f"a fresh token was refused ({status})")
    time.sleep(LIFETIME + 1.2)
    status, answer = http("GET", url, headers)
    expect(status == 401, f"an expired token got {status}: {answer}")
    error = answer["error"]
    expect(error["code"] == "InvalidAuthenticationToken", f"code {error['code']!r}")
    expect(error["message"] == "Lifetime validation failed, the token is expired.", f"message {error['message']!r}")


def check_credential_reports_the_lifetime():
    from azure.identity import ClientSecretCredential

    credential = ClientSecretCredential(
        TENANT["tenant_id"], TENANT["client_id"], TENANT["client_secret"], authority=BASE, disable_instance_discovery=True
    )
    before = time.time()
    token = credential.get_token(GRAPH_SCOPE)
    expect(abs(token.expires_on - before - LIFETIME) <= 2, f"expires_on is {token.expires_on - before:.1f} s away, wanted {LIFETIME}")


async def sdk_pages_across_expiries():
    from azure.identity.aio import ClientSecretCredential
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph import GraphServiceClient
    from msgraph.generated.audit_logs.sign_ins.sign_ins_request_builder import SignInsRequestBuilder

    credential = ClientSecretCredential(
        TENANT["tenant_id"], TENANT["client_id"], TENANT["client_secret"], authority=BASE, disable_instance_discovery=True
    )
    tokens = []
    original = credential.get_token

    async def recording(*scopes, **kwargs):
        token = await original(*scopes, **kwargs)
        if not tokens or tokens[-1] != token.token:
            tokens.append(token.token)
        return token

    credential.get_token = recording
    async with credential:
        client = GraphServiceClient(credential, scopes=[GRAPH_SCOPE])
        client.request_adapter.base_url = BASE + "/v1.0"
        query = SignInsRequestBuilder.SignInsRequestBuilderGetQueryParameters(filter=LAB_FILTER, top=1)
        page = await client.audit_logs.sign_ins.get(RequestConfiguration(query_parameters=query))
        rows, pages = list(page.value), 1
        while page.odata_next_link:
            await asyncio.sleep(LIFETIME + 1)  # the token in hand expires meanwhile
            page = await client.audit_logs.sign_ins.with_url(page.odata_next_link).get()
            rows.extend(page.value)
            pages += 1
    return rows, pages, tokens


def check_sdk_renews():
    rows, pages, tokens = asyncio.run(sdk_pages_across_expiries())
    expect(pages == 4 and len(rows) == 4, f"{len(rows)} rows in {pages} pages, wanted 4 in 4")
    codes = sorted(r.status.error_code for r in rows)
    expect(codes == [0, 50126, 50126, 50140], f"error codes {codes}")
    expect(len(tokens) == pages, f"{len(tokens)} distinct tokens for {pages} pages, each after the last expired")


CHECKS = [
    ("raw: expires_in and ext_expires_in are the lifetime; after it Graph's 401 for an expired token", check_expires_in_and_expiry),
    ("azure-identity sync ClientSecretCredential: expires_on is the lifetime away", check_credential_reports_the_lifetime),
    ("msgraph-sdk + azure-identity aio: pages fetched after each token expired, a new token each time", check_sdk_renews),
]


if __name__ == "__main__":
    sys.exit(run_checks(CHECKS))
