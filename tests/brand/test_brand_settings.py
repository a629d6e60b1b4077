"""GET/PATCH /brand-settings: per organization and mode, neutral defaults, validated URLs."""

from tests.factories.merchant import Merchant


async def test_defaults_are_the_organization_name_and_no_logo(merchant: Merchant) -> None:
    response = await merchant.get("/brand-settings")
    assert response.status_code == 200
    body = response.json()
    assert body["displayName"] == "Test shop"
    assert body["logoUrl"] is None
    assert body["color"] is None
    assert body["livemode"] is False


async def test_patch_sets_brand_for_one_mode_only(merchant: Merchant) -> None:
    response = await merchant.patch("/brand-settings", json={
        "displayName": "Maison Lune", "logo_url": "https://cdn.example.com/logo.png", "color": "#12ab9f",
        "websiteUrl": "https://maison-lune.example"})
    assert response.status_code == 200, response.text
    assert response.json()["color"] == "12AB9F"
    assert (await merchant.get("/brand-settings")).json()["displayName"] == "Maison Lune"
    assert (await merchant.get("/brand-settings", key="sk_live")).json()["displayName"] == "Test shop"


async def test_bad_urls_and_colours_are_400(merchant: Merchant) -> None:
    for body in ({"logoUrl": "http://insecure.example/logo.png"}, {"color": "red"}, {"websiteUrl": 42}):
        response = await merchant.patch("/brand-settings", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["type"] == "invalid_request_error"


async def test_publishable_keys_cannot_read_brand_settings(merchant: Merchant) -> None:
    assert (await merchant.get("/brand-settings", key="pk_test")).status_code == 403


async def test_the_new_endpoints_are_documented(merchant: Merchant) -> None:
    paths = (await merchant.client.get("/openapi.json")).json()["paths"]
    for path in ("/brand-settings", "/payout-settings", "/payout-batches", "/payout-batches/{batch_id}/confirm",
                 "/payouts/{payout_id}/fail", "/withdrawals"):
        assert path in paths, path
    assert not any("/pg/" in path or path.startswith("/w/") for path in paths)  # pages are not API


async def test_the_contact_address_is_validated_and_a_blank_clears_it(merchant: Merchant) -> None:
    assert (await merchant.get("/brand-settings")).json()["contactEmail"] is None
    response = await merchant.patch("/brand-settings", json={"contactEmail": "tech@maison-lune.example"})
    assert response.status_code == 200, response.text
    assert response.json()["contactEmail"] == "tech@maison-lune.example"
    refused = await merchant.patch("/brand-settings", json={"contactEmail": "not an address"})
    assert refused.status_code == 400
    assert (await merchant.get("/brand-settings")).json()["contactEmail"] == "tech@maison-lune.example"
    cleared = await merchant.patch("/brand-settings", json={"contactEmail": " "})
    assert cleared.json()["contactEmail"] is None
