"""Bearer and Basic authentication, and the 401s."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.factories.merchant import Merchant


def basic(key: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "code"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


async def test_bearer_key_works(merchant: Merchant) -> None:
    response = await merchant.client.get("/orders", headers={"Authorization": f"Bearer {merchant.keys['sk_test']}"})
    assert response.status_code == 200


async def test_basic_with_key_as_user_and_empty_password(merchant: Merchant) -> None:
    order = await merchant.order()
    response = await merchant.client.get("/orders", headers={"Authorization": basic(merchant.keys["sk_test"])})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["data"]] == [order["id"]]


async def test_basic_live_key_sees_live_mode(merchant: Merchant) -> None:
    live = await merchant.order(key="sk_live")
    response = await merchant.client.get(f"/orders/{live['id']}", headers={"Authorization": basic(merchant.keys["sk_live"])})
    assert response.status_code == 200
    assert response.json()["livemode"] is True


async def test_scheme_is_case_insensitive(merchant: Merchant) -> None:
    response = await merchant.client.get("/orders", headers={"Authorization": f"bearer {merchant.keys['sk_test']}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer sk_test_" + "0" * 48,
        "Bearer sk_test_nope",
        "Bearer xx_test_abc",
        "Bearer " + "sk_test_" + "a" * 5000,
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"\xff\xfe").decode(),
        "Basic " + base64.b64encode(b":").decode(),
        "Token abc",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x",
    ],
)
async def test_missing_or_wrong_credentials_are_401(merchant: Merchant, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await merchant.client.get("/orders", headers=headers)
    assert_error(response, 401, "UNAUTHORIZED")
    assert response.json()["error"]["type"] == "authentication_error"


async def test_a_key_with_its_mode_swapped_is_refused(merchant: Merchant) -> None:
    forged = merchant.keys["sk_test"].replace("sk_test_", "sk_live_", 1)
    response = await merchant.client.get("/orders", headers={"Authorization": f"Bearer {forged}"})
    assert_error(response, 401, "UNAUTHORIZED")


async def test_a_key_with_its_kind_swapped_is_refused(merchant: Merchant) -> None:
    forged = merchant.keys["pk_test"].replace("pk_test_", "sk_test_", 1)
    response = await merchant.client.get("/orders", headers={"Authorization": f"Bearer {forged}"})
    assert_error(response, 401, "UNAUTHORIZED")


async def test_keys_have_the_documented_prefixes(merchant: Merchant) -> None:
    assert {name: key[: len(name) + 1] for name, key in merchant.keys.items()} == {
        "sk_test": "sk_test_", "sk_live": "sk_live_", "pk_test": "pk_test_", "pk_live": "pk_live_",
    }
    assert len(set(merchant.keys.values())) == 4


async def test_401_carries_the_version_header(merchant: Merchant) -> None:
    response = await merchant.client.get("/customers")
    assert response.status_code == 401
    assert response.headers["Kohort-Version"] == "2025-01-01"
