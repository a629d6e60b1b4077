"""GET /orders: the list conventions over HTTP, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from kohort.kit.clock import FrozenClock
from tests.factories.merchant import Merchant, Ticker


async def make_orders(merchant: Merchant, frozen_clock: FrozenClock, amounts: list[int]) -> list[dict]:
    tick = Ticker(frozen_clock)
    created = []
    for amount in amounts:
        tick()
        created.append(await merchant.order(amount=amount))
    return created


async def test_default_page_is_25_newest_first_and_max_is_100(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    created = await make_orders(merchant, frozen_clock, [1000 + index for index in range(27)])
    first_page = (await merchant.get("/orders")).json()
    assert first_page["count"] == 27
    assert len(first_page["data"]) == 25
    assert [item["id"] for item in first_page["data"]] == [item["id"] for item in reversed(created)][:25]
    rest = (await merchant.get("/orders", params={"skip": 25})).json()
    assert [item["id"] for item in rest["data"]] == [created[1]["id"], created[0]["id"]]
    everything = (await merchant.get("/orders", params={"take": 100})).json()
    assert len(everything["data"]) == 27
    beyond = (await merchant.get("/orders", params={"skip": 1000})).json()
    assert beyond == {"data": [], "count": 27}


async def test_order_by_amount(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    await make_orders(merchant, frozen_clock, [3000, 1000, 2000])
    ascending = (await merchant.get("/orders", params={"orderBy": "amount:asc"})).json()
    assert [item["amount"] for item in ascending["data"]] == [1000, 2000, 3000]
    descending = (await merchant.get("/orders", params={"order_by": "amount:desc"})).json()
    assert [item["amount"] for item in descending["data"]] == [3000, 2000, 1000]


async def test_search_comparisons(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    await make_orders(merchant, frozen_clock, [400, 500, 600, 700])

    async def amounts(search: str) -> list[int]:
        body = (await merchant.get("/orders", params={"search": search, "orderBy": "amount:asc"})).json()
        assert body["count"] == len(body["data"])
        return [item["amount"] for item in body["data"]]

    assert await amounts("amount>=500") == [500, 600, 700]
    assert await amounts("amount>500") == [600, 700]
    assert await amounts("amount<=500") == [400, 500]
    assert await amounts("amount<500") == [400]
    assert await amounts("amount:600") == [600]
    assert await amounts("amount!600") == [400, 500, 700]
    assert await amounts("amount:400 OR amount:700") == [400, 700]
    assert await amounts("amount>400,amount<700") == [500, 600]
    assert await amounts("amount>400 AND amount<700") == [500, 600]
    assert await amounts('status:"CREATED",amount<500') == [400]
    assert await amounts('status:"CASHBACK_SENT"') == []


async def test_search_by_date(merchant: Merchant, frozen_clock: FrozenClock) -> None:
    created = await make_orders(merchant, frozen_clock, [100, 200, 300])
    later = (await merchant.get("/orders", params={"search": f'createdAt>"{created[0]["createdAt"]}"'})).json()
    assert {item["id"] for item in later["data"]} == {created[1]["id"], created[2]["id"]}
    exact = (await merchant.get("/orders", params={"search": f'createdAt:"{created[1]["createdAt"]}"'})).json()
    assert [item["id"] for item in exact["data"]] == [created[1]["id"]]
    assert (await merchant.get("/orders", params={"search": 'createdAt<"2000-01-01"'})).json()["count"] == 0


async def test_contains_is_case_sensitive_on_every_backend(merchant: Merchant) -> None:
    for name in ("alice", "Alicia", "bob"):
        await merchant.order(customerFirstName=name)

    async def names(search: str) -> set[str]:
        return {item["customerFirstName"] for item in (await merchant.get("/orders", params={"search": search})).json()["data"]}

    assert await names("customerFirstName~lic") == {"alice", "Alicia"}
    assert await names("customerFirstName~Ali") == {"Alicia"}
    assert await names("customerFirstName~ALI") == set()
    assert await names("customerFirstName~%") == set()  # a literal %, not a wildcard


async def test_search_values_are_decoded_once(merchant: Merchant) -> None:
    """A literal % in a value must survive: the query string is URL-decoded by the server, not twice."""
    wanted = await merchant.order(clientReferenceId="promo%41")
    await merchant.order(clientReferenceId="promoA")
    found = (await merchant.get("/orders", params={"search": 'clientReferenceId:"promo%41"'})).json()
    assert [order["id"] for order in found["data"]] == [wanted["id"]]


async def test_the_withdrawal_token_hash_is_neither_sortable_nor_searchable(merchant: Merchant) -> None:
    await merchant.order(amount=1000)
    for params in ({"orderBy": "withdrawalTokenHash:asc"}, {"search": 'withdrawalTokenHash:"abc"'}):
        response = await merchant.get("/orders", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["type"] == "invalid_request_error"
