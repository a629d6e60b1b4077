"""PATCH /payout-settings: the merchant's paying account, validated, shown masked."""

from tests.factories.merchant import Merchant


async def test_payout_account_is_stored_and_shown_masked(merchant: Merchant) -> None:
    response = await merchant.patch("/payout-settings", json={
        "debtorName": "Maison Lune SAS", "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"})
    assert response.status_code == 200, response.text
    assert response.json()["iban"] == "DE89 •••• 3000"
    assert (await merchant.get("/payout-settings")).json()["debtorName"] == "Maison Lune SAS"
    assert (await merchant.get("/payout-settings", key="sk_live")).json()["iban"] is None


async def test_an_invalid_account_is_refused(merchant: Merchant) -> None:
    response = await merchant.patch("/payout-settings", json={"debtorName": "X", "iban": "DE00 3704 0044 0532 0130 00"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "IBAN_INVALID_CHECKSUM"
    response = await merchant.patch("/payout-settings", json={"debtorName": "X", "iban": "DE89370400440532013000",
                                                              "bic": "nope"})
    assert response.json()["error"]["code"] == "BIC_INVALID"


async def test_no_batch_without_pending_payouts(merchant: Merchant) -> None:
    await merchant.patch("/payout-settings", json={"debtorName": "Shop", "iban": "DE89370400440532013000"})
    response = await merchant.post("/payout-batches")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "NO_PENDING_PAYOUTS"


async def test_the_merchant_account_name_is_transliterated_or_refused(merchant: Merchant) -> None:
    response = await merchant.patch("/payout-settings", json={"debtorName": "Bäckerei Łódź & Söhne",
                                                              "iban": "DE89370400440532013000"})
    assert response.status_code == 200, response.text
    assert response.json()["debtorName"] == "Baeckerei Lodz + Soehne"
    refused = await merchant.patch("/payout-settings", json={"debtorName": "🥐🥐", "iban": "DE89370400440532013000"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "DEBTOR_NAME_INVALID"
