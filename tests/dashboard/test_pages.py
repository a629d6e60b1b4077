"""Orders, groups and customers in the dashboard: search, filters, pages, details, actions, roles and tenancy."""

from __future__ import annotations

import httpx

from kohort.db import Database
from kohort.user.domain import Role
from tests.factories.dashboard import signed_in
from tests.factories.merchant import Merchant, unique_email


async def test_orders_are_found_by_email_share_code_and_shop_reference(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    owner_email = unique_email("finder")
    owner = await merchant.order(amount=3000, email=owner_email, clientReferenceId="shop-77")
    friend = await merchant.order(amount=8000, share_code=owner["paymentGroupShareId"])
    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)

    by_email = (await dashboard.get("/dashboard/test/orders", params={"q": owner_email})).text
    assert owner["id"] in by_email
    assert friend["id"] not in by_email
    by_code = (await dashboard.get("/dashboard/test/orders", params={"q": owner["paymentGroupShareId"]})).text
    assert owner["id"] in by_code
    assert friend["id"] in by_code
    by_reference = (await dashboard.get("/dashboard/test/orders", params={"q": "shop-77"})).text
    assert owner["id"] in by_reference
    assert friend["id"] not in by_reference
    # Quotes and commas would change the list syntax: they are dropped, never a 500.
    odd = await dashboard.get("/dashboard/test/orders", params={"q": 'x",status:"OPEN', "status": "NOPE",
                                                                 "from": "not-a-date", "page": "-3"})
    assert odd.status_code == 200
    assert "€80.00" in (await dashboard.get(f"/dashboard/test/orders/{friend['id']}")).text


async def test_orders_filter_by_status_and_date_and_page_through(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    for _ in range(26):
        await merchant.order(amount=1000)
    dashboard = await signed_in(browser, database, merchant.id)
    first = (await dashboard.get("/dashboard/test/orders")).text
    assert "26 results" in first
    assert "page=2" in first
    second = (await dashboard.get("/dashboard/test/orders", params={"page": "2"})).text
    assert second.count('href="/dashboard/test/orders/ord_') == 1
    assert "No order matches." in (await dashboard.get("/dashboard/test/orders",
                                                       params={"status": "CASHBACK_SENT"})).text
    assert "No order matches." in (await dashboard.get("/dashboard/test/orders", params={"to": "2020-01-01"})).text
    assert "26 results" in (await dashboard.get("/dashboard/test/orders", params={"from": "2020-01-01"})).text
    assert "No order matches." in (await dashboard.get("/dashboard/live/orders")).text  # test orders stay in test


async def test_a_group_shows_its_ladder_and_ends_now_in_test_mode(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant
) -> None:
    owner = await merchant.order(amount=3000)
    await merchant.order(amount=8000, share_code=owner["paymentGroupShareId"])
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    page = (await dashboard.get(f"/dashboard/test/groups/{owner['paymentGroupId']}")).text
    assert 'class="current"' in page  # two participants: the first level is reached
    assert "data-countdown" in page
    assert "End now and settle" in page

    ended = await dashboard.post(f"/dashboard/test/groups/{owner['paymentGroupId']}/end")
    assert ended.status_code == 303
    group = (await merchant.get(f"/payment-groups/{owner['paymentGroupId']}")).json()
    assert group["status"] == "COMPLETED"
    order_page = (await dashboard.get(f"/dashboard/test/orders/{owner['id']}")).text
    assert "Cashback available" in order_page  # the ledger's posting, on the order's timeline
    assert "Group completed" in order_page


async def test_cancel_records_the_user_who_did_it(browser: httpx.AsyncClient, database: Database,
                                                  merchant: Merchant) -> None:
    owner = await merchant.order(amount=3000)
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    response = await dashboard.post(f"/dashboard/test/groups/{owner['paymentGroupId']}/cancel")
    assert response.status_code == 303
    group = (await merchant.get(f"/payment-groups/{owner['paymentGroupId']}")).json()
    assert group["status"] == "CANCELED"
    assert group["updatedBy"] == dashboard.user.id
    refused = await dashboard.post(f"/dashboard/test/groups/{owner['paymentGroupId']}/cancel")
    assert refused.status_code == 400  # the service's rule, shown as a page
    assert "This cannot be done" in refused.text


async def test_a_viewer_sees_no_action_and_cannot_post_one(browser: httpx.AsyncClient, database: Database,
                                                           merchant: Merchant) -> None:
    owner = await merchant.order(amount=3000)
    dashboard = await signed_in(browser, database, merchant.id, role=Role.VIEWER)
    page = (await dashboard.get(f"/dashboard/test/groups/{owner['paymentGroupId']}")).text
    assert "group-actions" not in page
    customer_page = (await dashboard.get(f"/dashboard/test/customers/{owner['customerId']}")).text
    assert "/block" not in customer_page
    for path in (f"/dashboard/test/groups/{owner['paymentGroupId']}/end",
                 f"/dashboard/test/customers/{owner['customerId']}/block"):
        assert (await dashboard.post(path)).status_code == 403
    group = (await merchant.get(f"/payment-groups/{owner['paymentGroupId']}")).json()
    assert group["status"] == "OPEN"
    assert (await merchant.get(f"/customers/{owner['customerId']}")).json()["isBlocked"] is False


async def test_blocking_needs_the_csrf_token_and_records_who(browser: httpx.AsyncClient, database: Database,
                                                             merchant: Merchant) -> None:
    owner = await merchant.order(amount=3000)
    dashboard = await signed_in(browser, database, merchant.id, role=Role.ADMIN)
    path = f"/dashboard/test/customers/{owner['customerId']}/block"
    assert (await dashboard.post(path, csrf=False)).status_code == 403
    assert (await dashboard.post(path, {"csrf_token": "forged"}, csrf=False)).status_code == 403
    assert (await merchant.get(f"/customers/{owner['customerId']}")).json()["isBlocked"] is False
    assert (await dashboard.post(path)).status_code == 303
    customer = (await merchant.get(f"/customers/{owner['customerId']}")).json()
    assert customer["isBlocked"] is True
    assert customer["updatedBy"] == dashboard.user.id
    assert "Blocked" in (await dashboard.get(f"/dashboard/test/customers/{owner['customerId']}")).text
    assert (await dashboard.post(f"/dashboard/test/customers/{owner['customerId']}/unblock")).status_code == 303
    assert (await merchant.get(f"/customers/{owner['customerId']}")).json()["isBlocked"] is False


async def test_another_organizations_objects_are_not_found(
    browser: httpx.AsyncClient, database: Database, merchant: Merchant, other_merchant: Merchant
) -> None:
    theirs = await other_merchant.order(amount=3000)
    dashboard = await signed_in(browser, database, merchant.id, role=Role.OWNER)
    for path in (f"orders/{theirs['id']}", f"groups/{theirs['paymentGroupId']}", f"customers/{theirs['customerId']}"):
        response = await dashboard.get(f"/dashboard/test/{path}")
        assert response.status_code == 404
        assert "Page not found" in response.text
    for path in (f"groups/{theirs['paymentGroupId']}/cancel", f"customers/{theirs['customerId']}/block"):
        assert (await dashboard.post(f"/dashboard/test/{path}")).status_code == 404
    assert (await other_merchant.get(f"/payment-groups/{theirs['paymentGroupId']}")).json()["status"] == "OPEN"
    assert (await other_merchant.get(f"/customers/{theirs['customerId']}")).json()["isBlocked"] is False
    listed = (await dashboard.get("/dashboard/test/orders")).text
    assert theirs["id"] not in listed
