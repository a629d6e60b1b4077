"""Tenancy: another organization's objects, or the other mode's, are a 404 everywhere and never leak
into lists, searches, expansions or joins."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from kohort.db import Database
from kohort.models import orders, payment_groups
from tests.factories.customer import create_customer
from tests.factories.merchant import Merchant, unique_email

# (description, how the intruder is obtained)
INTRUDERS = ["other_organization_test", "other_organization_live", "same_organization_live"]


async def victim_objects(merchant: Merchant) -> dict[str, Any]:
    owner = await merchant.order(metadata={"basket": "v1"}, clientReferenceId="victim-ref")
    friend = await merchant.order(share_code=owner["paymentGroupShareId"])
    lonely = await create_customer(merchant)
    return {"order": owner["id"], "friend_order": friend["id"], "customer": owner["customerId"],
            "email": owner["customerEmail"], "lonely_customer": lonely["id"], "group": owner["paymentGroupId"],
            "code": owner["paymentGroupShareId"]}


def intruder_call(merchant: Merchant, other_merchant: Merchant, intruder: str) -> tuple[Merchant, str]:
    if intruder == "same_organization_live":
        return merchant, "sk_live"
    return other_merchant, "sk_live" if intruder.endswith("live") else "sk_test"


@pytest.mark.parametrize("intruder", INTRUDERS)
async def test_every_endpoint_answers_404_for_someone_elses_objects(
    merchant: Merchant, other_merchant: Merchant, intruder: str
) -> None:
    ids = await victim_objects(merchant)
    caller, key = intruder_call(merchant, other_merchant, intruder)
    new_email = unique_email()
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"/orders/{ids['order']}", None),
        ("GET", f"/orders/{ids['friend_order']}?expand[]=customer&expand[]=paymentGroup", None),
        ("GET", f"/customers/{ids['customer']}", None),
        ("PATCH", f"/customers/{ids['customer']}", {"firstName": "Mallory"}),
        ("DELETE", f"/customers/{ids['lonely_customer']}", None),
        ("PATCH", f"/customers/{ids['customer']}/block", None),
        ("PATCH", f"/customers/{ids['customer']}/unblock", None),
        ("POST", "/orders", {"amount": 5000, "customerId": ids["customer"]}),
        ("POST", "/orders", {"amount": 5000, "customerEmail": new_email, "customerFirstName": "M",
                             "customerLastName": "X", "paymentGroupShareId": ids["code"]}),
        ("POST", "/orders", {"amount": 5000, "customerEmail": new_email, "customerFirstName": "M",
                             "customerLastName": "X", "paymentGroupShareId": ids["code"].lower()}),
    ]
    for prefix in ("/groups", "/payment-groups"):
        for reference in (ids["group"], ids["code"]):
            calls += [
                ("GET", f"{prefix}/{reference}", None),
                ("GET", f"{prefix}/{reference}?expand[]=customer&expand[]=paymentGroupSettings", None),
                ("PATCH", f"{prefix}/{reference}", {"metadata": {"owned": "yes"}, "creatorEmail": "m@example.com"}),
                ("GET", f"{prefix}/{reference}/participants", None),
                ("POST", f"{prefix}/{reference}/cancel", None),
                ("POST", f"{prefix}/{reference}/expire", None),
                ("POST", f"{prefix}/{reference}/validate", None),
                ("POST", f"{prefix}/{reference}/validate", {"amount": 5000, "customerEmail": new_email}),
            ]
        calls.append(("POST", prefix, {"customerId": ids["customer"], "orderId": ids["order"]}))

    for method, path, body in calls:
        response = await caller.request(method, path, key=key, json=body)
        assert response.status_code == 404, (method, path, body, response.text)
        assert response.json()["error"]["code"] == "NOT_FOUND", (method, path)
        assert ids["email"] not in response.text
        assert ids["customer"] not in response.text or path.startswith("/customers") or "customerId" in str(body)

    # The publishable keys of the intruder can't validate it either.
    pk = key.replace("sk_", "pk_")
    assert (await caller.post(f"/payment-groups/{ids['code']}/validate", key=pk)).status_code == 404

    # The intruder's failed attempts left nothing behind on their side…
    assert (await caller.get("/orders", key=key)).json()["count"] == (2 if caller is merchant and key == "sk_test" else 0)
    assert (await caller.get("/customers", key=key, params={"search": f'emailAddress:"{new_email}"'})).json()["count"] == 0
    # …and changed nothing on the victim's.
    customer = (await merchant.get(f"/customers/{ids['customer']}")).json()
    assert (customer["firstName"], customer["isBlocked"], customer["deletedAt"]) == ("Ann", False, None)
    assert (await merchant.get(f"/customers/{ids['lonely_customer']}")).status_code == 200
    group = (await merchant.get(f"/groups/{ids['group']}")).json()
    assert (group["status"], group["metadata"], group["participantCount"]) == ("OPEN", None, 2)
    assert group["creatorEmail"] == ids["email"]
    order = (await merchant.get(f"/orders/{ids['order']}")).json()
    assert order["paymentGroupId"] == ids["group"]


@pytest.mark.parametrize("intruder", INTRUDERS)
async def test_lists_and_searches_only_narrow_within_the_tenant(
    merchant: Merchant, other_merchant: Merchant, intruder: str
) -> None:
    ids = await victim_objects(merchant)
    caller, key = intruder_call(merchant, other_merchant, intruder)
    mine = await caller.order(key=key)
    searches = [
        f"organizationId:{merchant.id}",
        f'organizationId:"{merchant.id}"',
        "livemode:false",
        "livemode:true",
        f"id:{ids['order']}",
        f"customerId:{ids['customer']}",
        f"paymentGroupId:{ids['group']}",
        f"organizationId:{merchant.id} OR livemode:false OR livemode:true",
        f"organizationId!{caller.id}",
        'clientReferenceId:"victim-ref"',
    ]
    for path, secret in (("/orders", ids["order"]), ("/customers", ids["customer"]), ("/groups", ids["group"]),
                         ("/payment-groups", ids["group"])):
        for search in searches:
            if path.endswith("customers"):
                search = search.replace("customerId:", "id:").replace("paymentGroupId:", "id:").replace(
                    "clientReferenceId", "emailAddress")
            if path.endswith("groups"):
                search = search.replace("paymentGroupId:", "id:").replace("clientReferenceId", "shareId")
            response = await caller.get(path, key=key, params={"search": search, "expand[]": ["customer"]})
            assert response.status_code == 200, (path, search, response.text)
            body = response.json()
            assert all(item["organizationId"] == caller.id for item in body["data"]), (path, search)
            assert all(item["livemode"] is (key == "sk_live") for item in body["data"]), (path, search)
            assert secret not in response.text, (path, search)
            assert ids["email"] not in response.text, (path, search)
            assert body["count"] == len(body["data"])
    # The tenant's own rows are still found: the filter narrows, it does not blank everything.
    response = await caller.get("/orders", key=key, params={"search": f"organizationId:{caller.id}"})
    assert mine["id"] in [item["id"] for item in response.json()["data"]]


async def test_modes_are_separate_for_the_same_organization(merchant: Merchant) -> None:
    test_order = await merchant.order(key="sk_test")
    live_order = await merchant.order(key="sk_live")
    test_list = (await merchant.get("/orders", key="sk_test")).json()
    live_list = (await merchant.get("/orders", key="sk_live")).json()
    assert [item["id"] for item in test_list["data"]] == [test_order["id"]]
    assert [item["id"] for item in live_list["data"]] == [live_order["id"]]
    assert live_order["livemode"] is True
    assert live_order["paymentGroupShareId"].startswith("KHT-")
    assert not live_order["paymentGroupShareId"].startswith("KHT-test-")
    # The same email is a different customer in each mode.
    email = unique_email()
    in_test = await merchant.order(email=email, key="sk_test")
    in_live = await merchant.order(email=email, key="sk_live")
    assert in_test["customerId"] != in_live["customerId"]


async def test_same_email_in_two_organizations_are_two_customers(merchant: Merchant, other_merchant: Merchant) -> None:
    email = unique_email()
    first = await merchant.order(email=email)
    second = await other_merchant.order(email=email)
    assert first["customerId"] != second["customerId"]
    # Each merchant's customer list holds only its own.
    assert [c["id"] for c in (await merchant.get("/customers")).json()["data"]] == [first["customerId"]]
    assert [c["id"] for c in (await other_merchant.get("/customers")).json()["data"]] == [second["customerId"]]


async def test_expansions_never_cross_tenants_even_if_rows_were_linked(
    merchant: Merchant, other_merchant: Merchant, database: Database
) -> None:
    # No endpoint can link rows across tenants (POST /groups and joins are scoped); this simulates
    # a bad import to check that expansion itself is scoped, unlike the original's.
    mine = await merchant.order()
    theirs = await other_merchant.order()
    async with database.transaction() as connection:
        await connection.execute(
            update(orders).where(orders.c.id == mine["id"]).values(payment_group_id=theirs["paymentGroupId"])
        )
        await connection.execute(
            update(payment_groups).where(payment_groups.c.id == mine["paymentGroupId"])
            .values(customer_id=theirs["customerId"])
        )
    order = (await merchant.get(f"/orders/{mine['id']}", params={"expand[]": ["paymentGroup", "customer"]})).json()
    assert order["paymentGroup"] is None
    assert order["customer"]["id"] == mine["customerId"]
    group = (await merchant.get(f"/groups/{mine['paymentGroupId']}", params={"expand[]": "customer"})).json()
    assert group["customer"] is None
    assert theirs["customerEmail"] not in str(order) + str(group)
