"""/webhook-endpoints: creation shows the signing secret once, URLs follow the mode's rules, everything
is scoped to the organization and mode."""

from __future__ import annotations

import base64

import pytest

from tests.factories.merchant import Merchant


async def create(merchant: Merchant, *, key: str = "sk_test", **fields: object) -> dict[str, object]:
    response = await merchant.post("/webhook-endpoints", json={"url": "https://shop.example/hooks", **fields}, key=key)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_create_shows_a_standard_webhooks_secret_once(merchant: Merchant) -> None:
    created = await create(merchant, description="back office")
    secret = str(created["secret"])
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert str(created["id"]).startswith("we_")
    assert created["enabledEvents"] == ["*"]
    assert created["disabled"] is False
    assert created["livemode"] is False
    fetched = (await merchant.get(f"/webhook-endpoints/{created['id']}")).json()
    assert "secret" not in fetched
    assert fetched == {key: value for key, value in created.items() if key != "secret"}
    listed = (await merchant.get("/webhook-endpoints")).json()
    assert listed["count"] == 1
    assert listed["data"] == [fetched]


async def test_update_delete_and_rotate(merchant: Merchant) -> None:
    created = await create(merchant)
    path = f"/webhook-endpoints/{created['id']}"
    patched = await merchant.patch(path, json={"enabledEvents": ["order.created", "payout.failed"], "disabled": True,
                                               "url": "https://shop.example/v2"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["enabledEvents"] == ["order.created", "payout.failed"]
    assert patched.json()["disabled"] is True
    assert patched.json()["url"] == "https://shop.example/v2"
    assert patched.json()["description"] is None
    rotated = await merchant.post(f"{path}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    deleted = await merchant.delete(path)
    assert deleted.status_code == 200
    assert (await merchant.get(path)).status_code == 404
    assert (await merchant.delete(path)).status_code == 404


@pytest.mark.parametrize("events", [["order.exploded"], [], "order.created", ["*", "order.created"]])
async def test_enabled_events_must_be_known_types(merchant: Merchant, events: object) -> None:
    response = await merchant.post("/webhook-endpoints", json={"url": "https://shop.example/h", "enabledEvents": events})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("key", "url", "accepted"),
    [
        ("sk_test", "http://localhost:8080/hooks", True),
        ("sk_test", "http://127.0.0.1:9/hooks", True),
        ("sk_test", "http://[::1]/hooks", True),
        ("sk_test", "https://shop.example/hooks", True),
        ("sk_test", "http://shop.example/hooks", False),
        ("sk_live", "https://shop.example/hooks", True),
        ("sk_live", "http://shop.example/hooks", False),
        ("sk_live", "http://localhost/hooks", False),
        ("sk_live", "https://localhost/hooks", False),
        ("sk_live", "https://127.0.0.1/hooks", False),
        ("sk_live", "https://10.1.2.3/hooks", False),
        ("sk_live", "https://169.254.169.254/latest", False),
        ("sk_live", "https://[fe80::1]/hooks", False),
        ("sk_live", "https://[::ffff:192.168.0.1]/hooks", False),
        ("sk_test", "ftp://shop.example/hooks", False),
        ("sk_test", "https://user:pass@shop.example/hooks", False),
        ("sk_test", "shop.example/hooks", False),
        ("sk_test", "https://shop.example/ho oks", False),
    ],
)
async def test_url_rules_depend_on_the_mode(merchant: Merchant, key: str, url: str, accepted: bool) -> None:
    response = await merchant.post("/webhook-endpoints", json={"url": url}, key=key)
    if accepted:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "INVALID_WEBHOOK_URL"


async def test_endpoints_are_scoped_to_organization_and_mode(merchant: Merchant, other_merchant: Merchant) -> None:
    created = await create(merchant)
    path = f"/webhook-endpoints/{created['id']}"
    for response in (
        await other_merchant.get(path),
        await other_merchant.patch(path, json={"disabled": True}),
        await other_merchant.delete(path),
        await other_merchant.post(f"{path}/rotate-secret"),
        await other_merchant.get(f"{path}/deliveries"),
        await merchant.get(path, key="sk_live"),
    ):
        assert response.status_code == 404, response.text
    assert (await other_merchant.get("/webhook-endpoints")).json() == {"data": [], "count": 0}
    assert (await merchant.get("/webhook-endpoints", key="sk_live")).json()["count"] == 0
    assert (await merchant.get("/webhook-endpoints", key="pk_test")).status_code == 403
    assert (await merchant.get(path)).json()["disabled"] is False
