"""Bad input is a 4xx in the error envelope, never a 5xx, and a refused request writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.customer import customer_count, order_count
from tests.factories.merchant import Merchant, unique_email


def good_order(**changes: Any) -> dict[str, Any]:
    return {"amount": 5000, "customerEmail": unique_email(), "customerFirstName": "Ann", "customerLastName": "Lee",
            **changes}


def assert_4xx_envelope(response: Any, status: int = 400) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"type", "message", "code"}
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["code"]


RAW_BODIES = [
    b"{",
    b'{"amount": 5000,}',
    b"not json",
    b"\xff\xfe\x00",
    b"[]",
    b'[{"amount": 5000}]',
    b'"amount"',
    b"5000",
    b"null",
    b"true",
    b'{"amount": NaN}',
    b'{"amount": Infinity}',
    b'{"amount": 1e400}',
    b'{"customerFirstName": "\\ud800"}',
]


@pytest.mark.parametrize("raw", RAW_BODIES)
async def test_malformed_or_non_object_json(merchant: Merchant, raw: bytes) -> None:
    for path in ("/orders", "/customers", "/groups", "/payment-group-settings"):
        method = "PATCH" if path == "/payment-group-settings" else "POST"
        response = await merchant.client.request(method, path, content=raw,
                                                 headers={**merchant.headers(), "Content-Type": "application/json"})
        assert_4xx_envelope(response)
    assert await order_count(merchant) == 0
    assert await customer_count(merchant) == 0


BAD_ORDERS = [
    {"amount": "lots"},
    {"amount": "12abc"},
    {"amount": "NaN"},
    {"amount": "Infinity"},
    {"amount": ""},
    {"amount": True},
    {"amount": False},
    {"amount": None},
    {"amount": [5000]},
    {"amount": {"value": 5000}},
    {"amount": 10**30},
    {"amount": -5000},
    {"amount": 0},
    {"amount": 0.4},  # rounds to 0 cents
    {"amount": "-1"},
    {"customerEmail": "not-an-email"},
    {"customerEmail": 42},
    {"customerEmail": "a" * 300 + "@example.com"},
    {"customerFirstName": "A" * 10_000},
    {"customerLastName": ["Lee"]},
    {"customerPhoneNumber": "1" * 1000},
    {"clientReferenceId": "r" * 1000},
    {"clientReferenceId": 12},
    {"customerId": "c" * 1000},
    {"paymentGroupShareId": "K" * 1000},
    {"paymentGroupShareId": 7},
    {"metadata": ["a", "b"]},
    {"metadata": "text"},
    {"metadata": 3},
    {"metadata": {"nested": {"a": "b"}}},
    {"metadata": {"list": ["a"]}},
    {"metadata": {"number": 1}},
    {"metadata": {"null": None}},
    {"metadata": {f"k{index}": "v" for index in range(51)}},
    {"metadata": {"k" * 41: "v"}},
    {"metadata": {"k": "v" * 501}},
    {"locale": 12},
    {"customerFirstName": "A\u0000B"},
    {"metadata": {"k": "nul\u0000"}},
    {"metadata": {"nul\u0000": "v"}},
    {"clientReferenceId": "ref\u0000"},
]


@pytest.mark.parametrize("changes", BAD_ORDERS, ids=[str(index) for index in range(len(BAD_ORDERS))])
async def test_bad_order_fields_are_400_and_write_nothing(merchant: Merchant, changes: dict[str, Any]) -> None:
    response = await merchant.post("/orders", json=good_order(**changes))
    assert_4xx_envelope(response)
    assert await order_count(merchant) == 0
    assert await customer_count(merchant) == 0


async def test_metadata_limits_are_inclusive(merchant: Merchant) -> None:
    at_the_limit = {f"{index:02d}".ljust(40, "k"): "v" * 500 for index in range(50)}
    order = await merchant.order(metadata=at_the_limit)
    assert order["metadata"] == at_the_limit


@pytest.mark.parametrize(("amount", "cents"), [(3000.0, 3000), ("3000", 3000), (1998.9999999999998, 1999),
                                               ("12.5", 13), (99.5, 100), (10**11, 10**11)])
async def test_amounts_plugins_send_are_rounded_half_up(merchant: Merchant, amount: Any, cents: int) -> None:
    order = await merchant.order(amount=amount)
    assert order["amount"] == cents


async def test_missing_amount_and_empty_body(merchant: Merchant) -> None:
    assert_4xx_envelope(await merchant.post("/orders", json={"customerEmail": unique_email()}))
    assert_4xx_envelope(await merchant.client.post("/orders", headers=merchant.headers()))
    assert await customer_count(merchant) == 0


async def test_huge_body_is_refused(merchant: Merchant) -> None:
    response = await merchant.post("/orders", json=good_order(metadata={"k": "v" * 100}, padding="x" * 200_000))
    assert response.status_code in (400, 413), response.text
    assert response.json()["error"]["code"]
    assert await order_count(merchant) == 0


BAD_CUSTOMERS = [
    {},
    {"emailAddress": None},
    {"emailAddress": "nope"},
    {"emailAddress": unique_email(), "firstName": "F" * 500},
    {"emailAddress": unique_email(), "metadata": {"a": {"b": "c"}}},
    {"emailAddress": unique_email(), "metadata": [1]},
    {"emailAddress": unique_email(), "lastName": "x\u0000"},
]


@pytest.mark.parametrize("body", BAD_CUSTOMERS, ids=[str(index) for index in range(len(BAD_CUSTOMERS))])
async def test_bad_customers_are_400(merchant: Merchant, body: dict[str, Any]) -> None:
    assert_4xx_envelope(await merchant.post("/customers", json=body))
    assert await customer_count(merchant) == 0


BAD_LIST_QUERIES = [
    {"take": "0"}, {"take": "101"}, {"take": "ten"}, {"take": "-5"}, {"take": "1e3"}, {"take": str(10**30)},
    {"skip": "-1"}, {"skip": "x"}, {"skip": str(10**30)},
    {"orderBy": "nope:asc"}, {"orderBy": "createdAt:sideways"}, {"orderBy": "metadata:asc"}, {"order_by": "zzz"},
    {"search": "nope:1"}, {"search": "amount>abc"}, {"search": "status"}, {"search": "livemode:perhaps"},
    {"search": "createdAt>yesterday"}, {"search": "amount>=" + "9" * 40}, {"search": "x" * 5000},
    {"search": 'customerEmail:"a\u0000"'}, {"search": "amount~5"},
]


@pytest.mark.parametrize("query", BAD_LIST_QUERIES, ids=[str(index) for index in range(len(BAD_LIST_QUERIES))])
async def test_bad_list_parameters_are_400(merchant: Merchant, query: dict[str, str]) -> None:
    await merchant.order()
    for path in ("/orders", "/customers", "/groups", "/payment-groups"):
        adapted = {key: value.replace("customerEmail", "emailAddress").replace("amount", "participantCount")
                   if path != "/orders" and key == "search" else value for key, value in query.items()}
        response = await merchant.get(path, params=adapted)
        assert_4xx_envelope(response)


async def test_nul_in_a_path_is_a_4xx(merchant: Merchant) -> None:
    for path in ("/customers/cus_%00", "/orders/ord_%00", "/groups/KHT-%00", "/groups/pg_%00/participants"):
        response = await merchant.get(path)
        assert 400 <= response.status_code < 500, (path, response.text)
    response = await merchant.post("/payment-groups/KHT-test-%00/validate")
    assert 400 <= response.status_code < 500


async def test_wrong_method_and_unknown_route(merchant: Merchant) -> None:
    response = await merchant.request("PUT", "/orders")
    assert_4xx_envelope(response, 405)
    assert_4xx_envelope(await merchant.get("/nowhere"), 404)


async def test_an_endless_body_is_refused_without_reading_it_all(merchant: Merchant) -> None:
    # A chunked body with no Content-Length: the server must stop reading past its limit instead of
    # buffering whatever the client sends (26 MB here; it could be endless).
    sent = 0

    async def body() -> Any:
        nonlocal sent
        yield b'{"amount": 5000, "padding": "'
        for _ in range(400):
            sent += 65_536
            yield b"x" * 65_536
        yield b'"}'

    response = await merchant.client.post("/orders", content=body(), headers=merchant.headers())
    assert_4xx_envelope(response)
    assert response.json()["error"]["code"] == "BODY_TOO_LARGE"
    assert sent <= 4 * 65_536, f"the server read {sent} bytes"
    assert await order_count(merchant) == 0


async def test_a_declared_huge_body_is_refused_up_front(merchant: Merchant) -> None:
    sent = 0

    async def body() -> Any:
        nonlocal sent
        for _ in range(100):
            sent += 65_536
            yield b" " * 65_536

    headers = {**merchant.headers(), "Content-Length": str(100 * 65_536), "Content-Type": "application/json"}
    response = await merchant.client.post("/orders", content=body(), headers=headers)
    assert response.json()["error"]["code"] == "BODY_TOO_LARGE"
    assert sent <= 65_536
