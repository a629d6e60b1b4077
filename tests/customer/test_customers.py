"""/customers: create, list, read, update, soft delete, block and unblock."""

from __future__ import annotations

import re

from kohort.kit.clock import FrozenClock
from tests.factories.customer import create_customer, customer_count
from tests.factories.merchant import Merchant, Ticker, unique_email

CUSTOMER_FIELDS = {
    "id", "emailAddress", "firstName", "lastName", "phoneNumber", "livemode", "locale", "isBlocked",
    "organizationId", "clientReferenceId", "metadata", "createdAt", "createdBy", "updatedAt", "updatedBy",
    "blockedAt", "blockedBy", "deletedAt", "cashbackOwed", "erasedAt", "erasedBy",
}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def test_create_returns_the_customer(merchant: Merchant) -> None:
    email = unique_email()
    customer = await create_customer(
        merchant, emailAddress=email, phoneNumber="+33 6 12 34 56 78", locale="en_GB",
        clientReferenceId="shop-42", metadata={"tier": "gold"},
    )
    assert set(customer) == CUSTOMER_FIELDS
    assert customer["id"].startswith("cus_")
    assert (customer["emailAddress"], customer["firstName"], customer["lastName"]) == (email, "Cleo", "Diaz")
    assert customer["livemode"] is False
    assert customer["organizationId"] == merchant.id
    assert (customer["locale"], customer["isBlocked"], customer["metadata"]) == ("en_GB", False, {"tier": "gold"})
    assert TIMESTAMP.fullmatch(customer["createdAt"])
    assert TIMESTAMP.fullmatch(customer["updatedAt"])
    assert customer["deletedAt"] is None
    assert customer["blockedAt"] is None
    fetched = await merchant.get(f"/customers/{customer['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == customer


async def test_default_locale_is_french(merchant: Merchant) -> None:
    assert (await create_customer(merchant))["locale"] == "fr_FR"


async def test_snake_case_input_is_accepted(merchant: Merchant) -> None:
    email = unique_email()
    response = await merchant.post("/customers", json={"email_address": email, "first_name": "Zoe",
                                                       "last_name": "Ng", "unknown_field": 1})
    assert response.status_code == 201, response.text
    assert (response.json()["emailAddress"], response.json()["firstName"]) == (email, "Zoe")


async def test_email_is_unique_per_tenant_case_insensitively(merchant: Merchant) -> None:
    email = unique_email()
    await create_customer(merchant, emailAddress=email)
    response = await merchant.post("/customers", json={"emailAddress": email.upper()})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CUSTOMER_ALREADY_EXISTS"
    assert await customer_count(merchant) == 1
    # The other mode is another tenant: the same email is fine there.
    assert (await merchant.post("/customers", json={"emailAddress": email}, key="sk_live")).status_code == 201


async def test_update_changes_only_given_fields(merchant: Merchant) -> None:
    customer = await create_customer(merchant, phoneNumber="+1 555", metadata={"a": "1"})
    response = await merchant.patch(f"/customers/{customer['id']}", json={"first_name": "Ida", "metadata": {"b": "2"}})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["firstName"], updated["lastName"], updated["phoneNumber"]) == ("Ida", "Diaz", "+1 555")
    assert updated["metadata"] == {"b": "2"}
    assert updated["updatedAt"] >= customer["updatedAt"]


async def test_update_with_null_clears_a_field_but_keeps_the_locale(merchant: Merchant) -> None:
    customer = await create_customer(merchant, phoneNumber="+1 555", metadata={"a": "1"}, locale="en_GB")
    response = await merchant.patch(
        f"/customers/{customer['id']}", json={"firstName": None, "metadata": None, "locale": None}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["firstName"], updated["metadata"]) == (None, None)
    assert (updated["lastName"], updated["phoneNumber"], updated["locale"]) == ("Diaz", "+1 555", "en_GB")


async def test_update_to_an_email_already_used_is_409(merchant: Merchant) -> None:
    first = await create_customer(merchant)
    second = await create_customer(merchant)
    response = await merchant.patch(f"/customers/{second['id']}", json={"emailAddress": first["emailAddress"].upper()})
    assert response.status_code == 409
    # Changing one's own email's case is fine.
    response = await merchant.patch(f"/customers/{first['id']}", json={"emailAddress": first["emailAddress"].upper()})
    assert response.status_code == 200
    local, _, domain = first["emailAddress"].partition("@")
    assert response.json()["emailAddress"] == f"{local.upper()}@{domain}"  # the domain part is normalized


async def test_update_cannot_remove_the_email(merchant: Merchant) -> None:
    customer = await create_customer(merchant)
    response = await merchant.patch(f"/customers/{customer['id']}", json={"emailAddress": None})
    assert response.status_code == 400


async def test_unknown_customer_is_404_everywhere(merchant: Merchant) -> None:
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("PATCH", "/block"), ("PATCH", "/unblock")):
        response = await merchant.request(method, f"/customers/cus_unknown{suffix}", json={} if method == "PATCH" else None)
        assert response.status_code == 404, (method, suffix)
        assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_block_and_unblock(merchant: Merchant) -> None:
    customer = await create_customer(merchant)
    blocked = await merchant.patch(f"/customers/{customer['id']}/block")
    assert blocked.status_code == 200
    assert blocked.json()["isBlocked"] is True
    assert TIMESTAMP.fullmatch(blocked.json()["blockedAt"])
    assert blocked.json()["blockedBy"]
    unblocked = await merchant.patch(f"/customers/{customer['id']}/unblock")
    assert unblocked.status_code == 200
    assert (unblocked.json()["isBlocked"], unblocked.json()["blockedAt"], unblocked.json()["blockedBy"]) == (
        False, None, None)


async def test_delete_is_soft_and_hides_the_customer(merchant: Merchant) -> None:
    kept = await create_customer(merchant)
    gone = await create_customer(merchant)
    response = await merchant.delete(f"/customers/{gone['id']}")
    assert response.status_code == 200
    assert TIMESTAMP.fullmatch(response.json()["deletedAt"])
    assert (await merchant.get(f"/customers/{gone['id']}")).status_code == 404
    assert (await merchant.patch(f"/customers/{gone['id']}", json={"firstName": "X"})).status_code == 404
    assert (await merchant.delete(f"/customers/{gone['id']}")).status_code == 404
    listed = (await merchant.get("/customers")).json()
    assert [item["id"] for item in listed["data"]] == [kept["id"]]
    assert listed["count"] == 1
    searched = (await merchant.get("/customers", params={"search": f"id:{gone['id']}"})).json()
    assert searched == {"data": [], "count": 0}


async def test_deleted_customer_comes_back_with_a_new_order(merchant: Merchant) -> None:
    customer = await create_customer(merchant, phoneNumber="+1")
    await merchant.delete(f"/customers/{customer['id']}")
    order = await merchant.order(email=customer["emailAddress"].upper(), customerPhoneNumber="+2")
    assert order["customerId"] == customer["id"]
    restored = await merchant.get(f"/customers/{customer['id']}")
    assert restored.status_code == 200
    assert restored.json()["deletedAt"] is None
    assert restored.json()["phoneNumber"] == "+2"
    assert (await merchant.get("/customers")).json()["count"] == 1


async def test_deleted_customer_comes_back_when_created_again(merchant: Merchant) -> None:
    customer = await create_customer(merchant)
    await merchant.delete(f"/customers/{customer['id']}")
    again = await merchant.post("/customers", json={"emailAddress": customer["emailAddress"], "firstName": "New"})
    assert again.status_code == 201
    assert again.json()["id"] == customer["id"]
    assert again.json()["firstName"] == "New"
    assert again.json()["deletedAt"] is None


async def test_a_customer_created_again_keeps_the_details_the_new_request_leaves_out(merchant: Merchant) -> None:
    customer = await create_customer(merchant, phoneNumber="+1 555", locale="en_GB")
    await merchant.delete(f"/customers/{customer['id']}")
    again = (await merchant.post("/customers", json={"emailAddress": customer["emailAddress"], "lastName": "Roe"})).json()
    assert (again["firstName"], again["lastName"]) == (customer["firstName"], "Roe")
    assert (again["phoneNumber"], again["locale"]) == ("+1 555", "en_GB")


async def test_list_pagination_order_and_search(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    tick = Ticker(frozen_clock)
    created = []
    for index in range(5):
        tick()
        created.append(await create_customer(merchant, firstName=f"N{index}"))
    newest_first = (await merchant.get("/customers")).json()
    assert newest_first["count"] == 5
    assert [item["id"] for item in newest_first["data"]] == [item["id"] for item in reversed(created)]
    page = (await merchant.get("/customers", params={"take": 2, "skip": 1, "orderBy": "createdAt:asc"})).json()
    assert page["count"] == 5
    assert [item["id"] for item in page["data"]] == [created[1]["id"], created[2]["id"]]
    by_name = (await merchant.get("/customers", params={"search": 'firstName:"N3" OR firstName:"N0"',
                                                         "orderBy": "firstName:asc"})).json()
    assert [item["firstName"] for item in by_name["data"]] == ["N0", "N3"]
    assert by_name["count"] == 2
