"""A payout that cannot go into a SEPA file is set aside as REQUIRES_ATTENTION, with its reason, and the
batch is built from the others: one shopper never blocks a merchant's payout run."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.models import payouts
from kohort.payout import service as payout_service
from kohort.payout.provider import BatchDocument, DebtorAccount, SepaFileProvider, Transfer
from kohort.runtime import Runtime
from kohort.tenant import Tenant
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books, owed_to
from tests.factories.withdrawal import GOOD_IBAN, settled_group
from tests.withdrawal.test_withdrawal import PAIN_001, withdraw


async def test_a_payout_whose_name_went_bad_is_set_aside_and_the_batch_pays_the_others(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000, 5000])
    bad = (await withdraw(merchant, placed[0]["link"])).json()["payout"]
    good = (await withdraw(merchant, placed[1]["link"])).json()["payout"]
    async with database.transaction() as connection:  # as an older version could have stored it
        await connection.execute(update(payouts).where(payouts.c.id == bad["id"]).values(holder_name="😀😀"))

    created = await merchant.post("/payout-batches")
    assert created.status_code == 201, created.text
    batch = created.json()
    xml = (await merchant.get(f"/payout-batches/{batch['id']}/file")).text
    assert [payout["id"] for payout in batch["payouts"]] == [good["id"]]
    assert batch["payoutCount"] == 1
    assert batch["totalAmount"] == good["amount"]
    PAIN_001.validate(xml)
    assert bad["endToEndId"] not in xml

    set_aside = (await merchant.get(f"/payouts/{bad['id']}")).json()
    assert set_aside["status"] == "REQUIRES_ATTENTION"
    assert "holderName" in set_aside["attentionReason"]
    assert set_aside["batchId"] is None
    assert good["attentionReason"] is None
    # The shopper's money stays reserved, and the books still balance.
    assert (await merchant.get(f"/orders/{bad['orderId']}")).json()["status"] == "CASHBACK_PROCESSING"
    assert await owed_to(database, merchant, bad["orderId"]) == 0
    assert (await books(database, merchant))["cashback_in_transit"] == -(bad["amount"] + good["amount"])
    legacy = (await merchant.get(f"/payouts/{bad['id']}", headers={"Kohort-Version": "2024-01-01"})).json()
    assert legacy["attention_reason"] == set_aside["attentionReason"]

    # The next run does not pick it up again; failing it gives the shopper their cashback back.
    assert (await merchant.post("/payout-batches")).status_code == 409
    failed = await merchant.post(f"/payouts/{bad['id']}/fail", json={"reason": "Name not accepted"})
    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "FAILED"
    assert await owed_to(database, merchant, bad["orderId"]) == bad["amount"]
    await books(database, merchant)


async def test_when_no_payout_can_go_into_a_file_the_batch_is_a_409_and_they_stay_set_aside(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    bad = (await withdraw(merchant, placed[0]["link"])).json()["payout"]
    async with database.transaction() as connection:
        await connection.execute(update(payouts).where(payouts.c.id == bad["id"]).values(holder_name="Иван"))
    response = await merchant.post("/payout-batches")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "NO_PENDING_PAYOUTS"
    assert (await merchant.get(f"/payouts/{bad['id']}")).json()["status"] == "REQUIRES_ATTENTION"
    await books(database, merchant)


class RefusingProvider(SepaFileProvider):
    """A bank file that refuses one creditor, as the XSD or a stricter provider could."""

    def build_batch(self, debtor: DebtorAccount, transfers: list[Transfer], *, execution_date: date) -> BatchDocument:
        if any(transfer.creditor_name == "Bea Refused" for transfer in transfers):
            raise ValueError("creditor refused")
        return super().build_batch(debtor, transfers, execution_date=execution_date)


async def test_a_transfer_the_file_refuses_is_set_aside_with_the_reason(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000, 5000])
    refused = (await withdraw(merchant, placed[0]["link"], holderName="Bea Refused")).json()["payout"]
    kept = (await withdraw(merchant, placed[1]["link"], iban=GOOD_IBAN)).json()["payout"]
    tenant = Tenant(merchant.id, False)
    async with database.transaction() as connection:
        created = await payout_service.create_batch(connection, tenant, runtime.cipher, RefusingProvider())
    assert [payout.id for payout in created.payouts] == [kept["id"]]
    assert created.batch.payout_count == 1
    async with database.transaction() as connection:
        set_aside = await payout_service.get_payout(connection, tenant, refused["id"])
    assert set_aside.status == "REQUIRES_ATTENTION"
    assert set_aside.attention_reason == "The SEPA file refused this transfer: creditor refused"
    await books(database, merchant)
