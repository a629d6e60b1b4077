"""Batch files at rest: stored encrypted and bound to their batch, downloaded on their own, kept with masked
IBANs once confirmed, and files stored in clear by an older version sealed when a process starts."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit.crypto import DecryptionError
from kohort.models import idempotency_keys, payout_batches
from kohort.payout.batch_file import MASKED_NOTICE, masked_document, masked_iban
from kohort.runtime import Runtime, secure_at_rest
from tests.factories.merchant import Merchant
from tests.factories.withdrawal import GOOD_IBAN, settled_group
from tests.withdrawal.test_withdrawal import PAIN_001, withdraw

MERCHANT_IBAN = "DE89370400440532013000"


async def _stored(database: Database, batch_id: str) -> dict[str, object]:
    async with database.transaction() as connection:
        row = (await connection.execute(select(payout_batches).where(payout_batches.c.id == batch_id))).mappings().one()
    return dict(row)


async def _batch(runtime: Runtime, merchant: Merchant, outbox: MemorySender, amounts: list[int],
                 **headers: str) -> dict[str, object]:
    """A new batch of one withdrawal per order, with the file downloaded (`xml`) while it is still the original."""
    placed = await settled_group(runtime, merchant, outbox, amounts)
    for order in placed:
        assert (await withdraw(merchant, order["link"])).status_code == 201
    created = await merchant.post("/payout-batches", headers=headers)
    assert created.status_code == 201, created.text
    batch: dict[str, object] = created.json()
    assert "xml" not in batch  # never inline: answers are kept (idempotency keys) and logged
    batch["xml"] = (await merchant.get(f"/payout-batches/{batch['id']}/file")).text
    return batch


def test_masking_keeps_country_check_digits_and_last_four() -> None:
    assert masked_iban(MERCHANT_IBAN) == "DE89XXXXXXXXXXXXXX3000"
    assert masked_iban(GOOD_IBAN) == "FR14" + "X" * 19 + "2606"
    assert masked_iban("DE8937") == "XXXXXX"
    document = '<?xml version="1.0" encoding="UTF-8"?>\n<Document><IBAN>DE89370400440532013000</IBAN></Document>'
    masked = masked_document(document)
    assert masked.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!-- ')
    assert "<IBAN>DE89XXXXXXXXXXXXXX3000</IBAN>" in masked
    assert MERCHANT_IBAN not in masked
    assert masked_document("<Document/>").startswith("<!-- ")


async def test_the_file_is_stored_encrypted_bound_to_its_batch_and_downloaded_on_its_own(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    batch = await _batch(runtime, merchant, outbox, [3000, 8000])
    assert batch["ibansMasked"] is False
    stored = await _stored(database, str(batch["id"]))
    document = str(stored["document"])
    assert document.startswith("v1:")
    assert GOOD_IBAN not in document
    assert MERCHANT_IBAN not in document
    assert "<" not in document
    # Bound to its batch: the same ciphertext on another batch does not decrypt.
    assert runtime.cipher.decrypt(document, associated_data=f"payout-batch:{batch['id']}")== batch["xml"]
    with pytest.raises(DecryptionError):
        runtime.cipher.decrypt(document, associated_data="payout-batch:pob_other")

    fetched = (await merchant.get(f"/payout-batches/{batch['id']}")).json()
    assert "xml" not in fetched
    assert fetched["ibansMasked"] is False
    listed = (await merchant.get("/payout-batches")).json()["data"]
    assert [item["id"] for item in listed] == [batch["id"]]
    assert "xml" not in listed[0]

    download = await merchant.get(f"/payout-batches/{batch['id']}/file")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/xml")
    assert download.headers["content-disposition"] == f'attachment; filename="{batch["id"]}.xml"'
    assert "kohort-document" not in download.headers
    assert download.text == batch["xml"]
    PAIN_001.validate(download.text)
    assert GOOD_IBAN in download.text

    legacy = await merchant.get(f"/payout-batches/{batch['id']}", headers={"Kohort-Version": "2024-01-01"})
    assert legacy.json()["ibans_masked"] is False


async def test_a_retried_creation_keeps_no_file_in_the_idempotency_store(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    batch = await _batch(runtime, merchant, outbox, [3000, 8000], **{"Idempotency-Key": "batch-run-1"})
    async with database.transaction() as connection:
        kept = (await connection.execute(select(idempotency_keys.c.response_body).where(
            idempotency_keys.c.organization_id == merchant.id, idempotency_keys.c.key == "batch-run-1"))).scalar_one()
    assert str(batch["id"]).encode() in kept
    assert GOOD_IBAN.encode() not in kept
    assert b"<IBAN>" not in kept


async def test_the_file_needs_the_secret_key_of_its_own_tenant(
    runtime: Runtime, merchant: Merchant, other_merchant: Merchant, outbox: MemorySender
) -> None:
    batch = await _batch(runtime, merchant, outbox, [3000, 8000])
    assert (await other_merchant.get(f"/payout-batches/{batch['id']}/file")).status_code == 404
    assert (await merchant.get(f"/payout-batches/{batch['id']}/file", key="sk_live")).status_code == 404
    assert (await merchant.get(f"/payout-batches/{batch['id']}/file", key="pk_test")).status_code == 403
    missing = await merchant.get("/payout-batches/pob_missing/file")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "NOT_FOUND")


async def test_confirmation_keeps_a_masked_copy_only_and_the_download_says_so(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    batch = await _batch(runtime, merchant, outbox, [3000, 8000])
    confirmed = await merchant.post(f"/payout-batches/{batch['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["ibansMasked"] is True
    assert (await merchant.get(f"/payout-batches/{batch['id']}")).json()["ibansMasked"] is True

    download = await merchant.get(f"/payout-batches/{batch['id']}/file")
    assert download.status_code == 200
    assert download.headers["kohort-document"] == "masked-after-confirmation"
    text = download.text
    assert text.split("\n")[1] == f"<!-- {MASKED_NOTICE} -->"
    assert GOOD_IBAN not in text
    assert MERCHANT_IBAN not in text
    assert f"<IBAN>{masked_iban(GOOD_IBAN)}</IBAN>" in text
    assert "<IBAN>DE89XXXXXXXXXXXXXX3000</IBAN>" in text
    assert "<CtrlSum>11.00</CtrlSum>" in text  # the record of what was paid stays whole
    PAIN_001.validate(text)  # still a well-formed pain.001, IBANs masked with letters

    stored = await _stored(database, str(batch["id"]))
    assert stored["ibans_masked"] is True
    assert runtime.cipher.decrypt(str(stored["document"]), associated_data=f"payout-batch:{batch['id']}") == text


async def test_files_stored_in_clear_by_an_older_version_are_sealed_when_a_process_starts(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    exported = await _batch(runtime, merchant, outbox, [3000, 8000])
    confirmed = await _batch(runtime, merchant, outbox, [4000, 6000])
    assert (await merchant.post(f"/payout-batches/{confirmed['id']}/confirm")).status_code == 200
    # As the previous version left them: the XML in clear, nothing masked.
    async with database.transaction() as connection:
        for batch in (exported, confirmed):
            await connection.execute(update(payout_batches).where(payout_batches.c.id == batch["id"])
                                     .values(document=batch["xml"], ibans_masked=False))

    assert await secure_at_rest(runtime) >= 2
    for batch in (exported, confirmed):
        stored = await _stored(database, str(batch["id"]))
        assert str(stored["document"]).startswith("v1:")
        assert GOOD_IBAN not in str(stored["document"])
    assert (await merchant.get(f"/payout-batches/{exported['id']}/file")).text == exported["xml"]
    masked = await merchant.get(f"/payout-batches/{confirmed['id']}/file")
    assert masked.headers["kohort-document"] == "masked-after-confirmation"
    assert GOOD_IBAN not in masked.text
    assert MERCHANT_IBAN not in masked.text
    assert (await merchant.get(f"/payout-batches/{confirmed['id']}")).json()["ibansMasked"] is True
    assert await secure_at_rest(runtime) == 0  # nothing left in clear
