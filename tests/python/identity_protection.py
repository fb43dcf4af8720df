#!/usr/bin/env python3
"""The Microsoft Graph SDK against `entralab serve`'s ID Protection APIs.

Usage: python identity_protection.py INFO_FILE

The server must serve scenarios/identity-protection/lab-anonymous-travel-sspr.yaml. Reuses
graph_clients.py's setup and helpers (token, SDK client, model comparison). Pages
riskDetections and riskyUsers with $filter through msgraph_core's PageIterator and checks that
every record parses with no unknown field; then dismisses a user through the SDK.

Prints one line per check and finally `N passed, M failed`.
"""

import asyncio
import sys

import graph_clients as g
from checks import expect, expect_eq, run_checks

LAB = "lab-anonymous-travel-sspr"


async def sdk_pages(builder, parameters_type, top, filter):
    """Every item behind `builder` with `$top` and `$filter`, through the PageIterator;
    (items, pages)."""
    return await g.sdk_pages(builder, parameters_type(top=top, filter=filter), top)


def paged_and_parsed(collection, parameters_type, flt, top):
    def run():
        raw = g.graph_get(LAB, f"/v1.0/identityProtection/{collection}?$top=1000&$filter=" + g.urllib.parse.quote(flt, safe=":/'"))
        rows = raw["value"]
        expect(len(rows) >= 2, f"{collection} with {flt!r}: only {len(rows)} row(s), paging is not exercised")

        async def one():
            credential = g.aio_credential(LAB)
            async with credential:
                client = g.graph_client(credential)
                builder = getattr(client.identity_protection, collection_attribute(collection))
                return await sdk_pages(builder, parameters_type(), top, flt)

        items, pages = asyncio.run(one())
        expect_eq([i.id for i in items], g.ids(rows), f"{collection}: ids through the SDK vs raw")
        expect_eq(pages, -(-len(rows) // top), f"{collection}: pages at $top={top}")
        for row, item in zip(rows, items):
            g.expect_model_matches(row, item, f"{collection}[{row['id']}]")

    return run


def collection_attribute(collection):
    return {"riskDetections": "risk_detections", "riskyUsers": "risky_users"}[collection]


def detections_parameters():
    from msgraph.generated.identity_protection.risk_detections.risk_detections_request_builder import (
        RiskDetectionsRequestBuilder,
    )

    return RiskDetectionsRequestBuilder.RiskDetectionsRequestBuilderGetQueryParameters


def risky_users_parameters():
    from msgraph.generated.identity_protection.risky_users.risky_users_request_builder import (
        RiskyUsersRequestBuilder,
    )

    return RiskyUsersRequestBuilder.RiskyUsersRequestBuilderGetQueryParameters


def history_parsed():
    rows = g.graph_get(LAB, "/v1.0/identityProtection/riskyUsers?$filter=riskState%20eq%20'remediated'")["value"]
    expect_eq(len(rows), 1, "remediated users")
    user_id = rows[0]["id"]
    raw = g.graph_get(LAB, f"/v1.0/identityProtection/riskyUsers/{user_id}/history")["value"]

    async def one():
        credential = g.aio_credential(LAB)
        async with credential:
            client = g.graph_client(credential)
            return await client.identity_protection.risky_users.by_risky_user_id(user_id).history.get()

    page = asyncio.run(one())
    expect_eq([i.id for i in page.value], g.ids(raw), "history ids through the SDK vs raw")
    for row, item in zip(raw, page.value):
        g.expect_model_matches(row, item, f"history[{row['id']}]")
    expect_eq(page.value[0].risk_detail.value, "userPerformedSecuredPasswordReset", "the newest change")


def dismiss_through_the_sdk():
    rows = g.graph_get(LAB, "/v1.0/identityProtection/riskyUsers?$filter=riskState%20eq%20'atRisk'")["value"]
    expect_eq(len(rows), 1, "users at risk")
    user_id = rows[0]["id"]

    async def one():
        from msgraph.generated.identity_protection.risky_users.dismiss.dismiss_post_request_body import (
            DismissPostRequestBody,
        )

        credential = g.aio_credential(LAB)
        async with credential:
            client = g.graph_client(credential)
            await client.identity_protection.risky_users.dismiss.post(DismissPostRequestBody(user_ids=[user_id]))
            return await client.identity_protection.risky_users.by_risky_user_id(user_id).get()

    user = asyncio.run(one())
    expect_eq(user.risk_state.value, "dismissed", "state after dismiss")
    expect_eq(user.risk_detail.value, "adminDismissedAllRiskForUser", "detail after dismiss")


CHECKS = [
    (
        "msgraph-sdk pages riskDetections with $filter and parses every field",
        paged_and_parsed("riskDetections", detections_parameters, "activity eq 'signin'", 2),
    ),
    (
        "msgraph-sdk pages riskyUsers with $filter and parses every field",
        paged_and_parsed("riskyUsers", risky_users_parameters, "isDeleted eq false", 1),
    ),
    ("msgraph-sdk reads a risky user's history", history_parsed),
    ("msgraph-sdk dismisses a risky user", dismiss_through_the_sdk),
]


if __name__ == "__main__":
    sys.exit(run_checks(CHECKS))
