"""Payout use cases: the merchant's paying account, one payout per withdrawal, batches and their
settlement. Knows nothing of orders beyond their id; `kohort.withdrawal` ties the two together."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.errors import Conflict, KohortError, NotFound
from kohort.kit import clock
from kohort.kit.crypto import Cipher, DecryptionError, Rotation
from kohort.kit.ids import new_id
from kohort.kit.listing import ListParams
from kohort.payout import batch_file, repository, sepa_text
from kohort.payout import iban as iban_rules
from kohort.payout.domain import BatchStatus, Payout, PayoutBatch, PayoutStatus
from kohort.payout.provider import DebtorAccount, PayoutProvider, Transfer
from kohort.payout.redaction import redact_transfers
from kohort.payout.schemas import PayoutSettings, PayoutSettingsUpdate
from kohort.tenant import Tenant

_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")

ProgressCallback = Callable[[int, int], None]


class PayoutAccountMissing(KohortError):
    def __init__(self) -> None:
        super().__init__(
            "Set the payout account first: PATCH /payout-settings with debtorName, iban and bic.",
            code="PAYOUT_ACCOUNT_MISSING",
        )


def _iban_context(payout_id: str) -> str:
    # Binds each ciphertext to its payout row: copied onto another row it would not decrypt.
    return f"payout:{payout_id}"


def _document_context(batch_id: str) -> str:
    # Binds a batch's file to its batch: swapped onto another batch it would not decrypt.
    return f"payout-batch:{batch_id}"


def stored_iban(cipher: Cipher, payout: Payout) -> str | None:
    """The payout's IBAN in clear while it is kept (until the payout is settled); None after, or when it
    does not decrypt with this key."""
    if payout.iban_encrypted is None:
        return None
    try:
        return cipher.decrypt(payout.iban_encrypted, associated_data=_iban_context(payout.id))
    except DecryptionError:
        return None


async def get_payout_settings(connection: AsyncConnection, tenant: Tenant) -> PayoutSettings:
    account = await repository.get_account(connection, tenant)
    if account is None:
        return PayoutSettings(**tenant.stamp(), debtor_name=None, iban=None, bic=None, updated_at=None)
    return PayoutSettings(**tenant.stamp(), debtor_name=account.debtor_name, iban=iban_rules.mask(account.iban),
                          bic=account.bic, updated_at=account.updated_at)


async def update_payout_settings(
    connection: AsyncConnection, tenant: Tenant, *, changes: PayoutSettingsUpdate
) -> PayoutSettings:
    iban = iban_rules.validate_sepa_iban(changes.iban)
    bic = (changes.bic or "").replace(" ", "").upper() or None
    if bic is not None and not _BIC.match(bic):
        raise KohortError("bic: must be 8 or 11 letters and digits, e.g. BNPAFRPP.", code="BIC_INVALID")
    await repository.upsert_account(
        connection, tenant, debtor_name=sepa_text.debtor_name(changes.debtor_name), iban=iban, bic=bic, now=clock.now()
    )
    return await get_payout_settings(connection, tenant)


async def create_payout(
    connection: AsyncConnection, tenant: Tenant, cipher: Cipher, *, order_id: str, amount: int, iban: str,
    holder_name: str, token_hash: str | None = None,
) -> Payout:
    """A PENDING payout of `amount` to `iban` (already validated), waiting for the next batch."""
    if await repository.get_account(connection, tenant) is None:
        raise PayoutAccountMissing()
    now = clock.now()
    payout_id = new_id("po")
    return await repository.insert_payout(connection, Payout(
        id=payout_id, organization_id=tenant.organization_id, livemode=tenant.livemode, order_id=order_id,
        amount=amount, currency="EUR", status=PayoutStatus.PENDING, holder_name=holder_name,
        iban_encrypted=cipher.encrypt(iban, associated_data=_iban_context(payout_id)),
        iban_masked=iban_rules.mask(iban), batch_id=None,
        # pain.001 EndToEndId: ≤ 35 characters, echoed back by the bank on returns.
        end_to_end_id=payout_id.replace("_", "")[:35],
        token_hash=token_hash,
        failure_reason=None, created_at=now, updated_at=now, paid_at=None, failed_at=None,
        attention_reason=None,
    ))


async def get_payout(connection: AsyncConnection, tenant: Tenant, payout_id: str) -> Payout:
    payout = await repository.get_payout(connection, tenant, payout_id)
    if payout is None:
        raise NotFound(f"Payout {payout_id} not found.")
    return payout


async def latest_payout_for_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Payout | None:
    return await repository.latest_payout_for_order(connection, tenant, order_id)


async def list_payouts(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[Payout], int]:
    return await repository.list_payouts(connection, tenant, params)


async def pending_summary(connection: AsyncConnection, tenant: Tenant) -> tuple[int, int]:
    """(count, total amount) of the payouts the next batch would take."""
    return await repository.pending_summary(connection, tenant)


def execution_date(today: date, business_days: int) -> date:
    """`business_days` working days after today (SEPA does not execute on weekends)."""
    day = today
    remaining = business_days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day


@dataclass(frozen=True, slots=True)
class CreatedBatch:
    """A batch with its payouts, as the API shows it; `file` is its pain.001 XML in clear, only just after
    creating it (the response that hands the file over)."""

    batch: PayoutBatch
    payouts: list[Payout]
    file: str | None = None


@dataclass(frozen=True, slots=True)
class BatchFile:
    """A batch's file as downloaded: the original until confirmation, the masked copy after."""

    filename: str
    content: str
    ibans_masked: bool


class _Unpayable(Exception):
    """This payout cannot go into a SEPA file; the message is the reason the merchant sees."""


def _transfer(payout: Payout, tenant: Tenant, cipher: Cipher) -> Transfer:
    """The payout as a SEPA transfer, its texts in the SEPA character set; _Unpayable otherwise."""
    if payout.iban_encrypted is None:  # erased only when a payout settles, and these were PENDING
        raise _Unpayable("iban: the payout has no IBAN left to pay to.")
    try:
        iban = iban_rules.validate_sepa_iban(
            cipher.decrypt(payout.iban_encrypted, associated_data=_iban_context(payout.id))
        )
    except DecryptionError:
        raise _Unpayable("iban: the stored IBAN does not decrypt with this server's encryption key.") from None
    except iban_rules.InvalidIban:
        raise _Unpayable("iban: the stored IBAN is not a valid SEPA IBAN.") from None
    try:
        creditor_name = sepa_text.transliterate(payout.holder_name or "Cashback")
    except sepa_text.NotSepaText:
        raise _Unpayable(
            "holderName: the account holder's name cannot be written in the SEPA character set."
        ) from None
    return Transfer(
        end_to_end_id=payout.end_to_end_id,
        creditor_name=creditor_name,
        iban=iban,
        amount=payout.amount,
        # Test-mode files say so in every transfer's remittance text, should one ever reach a bank.
        description=sepa_text.transliterate(
            f"{'' if tenant.livemode else 'TEST '}Cashback {payout.order_id}", max_length=140
        ),
    )


async def set_aside_unpayable(connection: AsyncConnection, tenant: Tenant, cipher: Cipher) -> list[Payout]:
    """PENDING payouts that cannot go into a SEPA file become REQUIRES_ATTENTION, with the reason.

    Run in its own transaction before `create_batch`, so that what it sets aside stays set aside even
    when nothing payable is left (the batch then answers 409). The shopper's money stays reserved: the
    order stays CASHBACK_PROCESSING and the ledger unchanged until the merchant fails the payout (the
    shopper then gets a fresh link and enters their details again)."""
    set_aside = []
    for payout in await repository.pending_payouts(connection, tenant):
        try:
            _transfer(payout, tenant, cipher)
        except _Unpayable as reason:
            marked = await repository.require_attention(connection, tenant, payout.id, reason=str(reason),
                                                        now=clock.now())
            if marked is not None:
                set_aside.append(marked)
    return set_aside


async def create_batch(
    connection: AsyncConnection, tenant: Tenant, cipher: Cipher, provider: PayoutProvider, *,
    execution_days: int = 1, on_progress: ProgressCallback | None = None,
) -> CreatedBatch:
    """A batch of every PENDING payout of the tenant, with its provider document (a pain.001 file).

    A payout that still cannot go into the file (see `set_aside_unpayable`) is set aside as
    REQUIRES_ATTENTION and the file is built from the others: one shopper never blocks a payout run."""
    account = await repository.get_account(connection, tenant)
    if account is None:
        raise PayoutAccountMissing()
    debtor = DebtorAccount(name=sepa_text.debtor_name(account.debtor_name), iban=account.iban, bic=account.bic)
    now = clock.now()
    batch_id = new_id("pob")
    # Inserted first, empty, so that the payouts it claims can point at it; filled in below.
    await repository.insert_batch(connection, PayoutBatch(
        id=batch_id, organization_id=tenant.organization_id, livemode=tenant.livemode, status=BatchStatus.EXPORTED,
        provider=provider.name, message_id="", payout_count=0, total_amount=0, document="", created_at=now,
        confirmed_at=None, ibans_masked=False,
    ))
    claimed = await repository.claim_pending(connection, tenant, batch_id, now)
    transfers: dict[str, Transfer] = {}
    unpayable: dict[str, str] = {}
    for index, payout in enumerate(claimed, start=1):
        try:
            transfers[payout.id] = _transfer(payout, tenant, cipher)
        except _Unpayable as reason:
            unpayable[payout.id] = str(reason)
        if on_progress is not None:
            on_progress(index, len(claimed))
    day = execution_date(now.date(), execution_days)
    try:
        document = provider.build_batch(debtor, list(transfers.values()), execution_date=day) if transfers else None
    # sepaxml raises bare Exceptions from its own checks and xmlschema errors from the XSD.
    except Exception:  # noqa: BLE001 - find the transfers the provider refuses, set them aside
        for payout_id, transfer in list(transfers.items()):
            try:
                provider.build_batch(debtor, [transfer], execution_date=day)
            except Exception as error:  # noqa: BLE001
                unpayable[payout_id] = f"The SEPA file refused this transfer: {error}"[:200]
                del transfers[payout_id]
        # Whatever fails now is not one payout's doing (the debtor account): that is a real error.
        document = provider.build_batch(debtor, list(transfers.values()), execution_date=day) if transfers else None
    for payout_id, why in unpayable.items():
        await repository.require_attention(connection, tenant, payout_id, reason=why, now=now)
    payable = [payout for payout in claimed if payout.id in transfers]
    if document is None:
        raise Conflict("There are no pending payouts to put in a batch.", code="NO_PENDING_PAYOUTS")
    batch = await repository.fill_batch(
        connection, tenant, batch_id, message_id=document.message_id[:35], payout_count=len(payable),
        total_amount=sum(payout.amount for payout in payable),
        document=cipher.encrypt(document.content, associated_data=_document_context(batch_id)),
    )
    return CreatedBatch(batch=batch, payouts=payable, file=document.content)


async def get_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str) -> CreatedBatch:
    batch = await repository.get_batch(connection, tenant, batch_id)
    if batch is None:
        raise NotFound(f"Payout batch {batch_id} not found.")
    return CreatedBatch(batch=batch, payouts=await repository.payouts_in_batch(connection, tenant, batch_id))


async def get_batch_file(connection: AsyncConnection, tenant: Tenant, cipher: Cipher, batch_id: str) -> BatchFile:
    batch = (await get_batch(connection, tenant, batch_id)).batch
    content = cipher.decrypt(batch.document, associated_data=_document_context(batch.id))
    return BatchFile(filename=f"{batch.id}.xml", content=content, ibans_masked=batch.ibans_masked)


async def confirm_batch(connection: AsyncConnection, tenant: Tenant, cipher: Cipher, batch_id: str) -> CreatedBatch:
    """The merchant's bank executed the file: its unfailed payouts are PAID (IBANs erased), and the stored
    file becomes a copy with masked IBANs (the bank has the original). Once only: confirming again is a 409."""
    await get_batch(connection, tenant, batch_id)  # 404 before 409
    now = clock.now()
    confirmed = await repository.confirm_batch_if_exported(connection, tenant, batch_id, now)
    if confirmed is None:
        raise Conflict(f"Payout batch {batch_id} is already confirmed.", code="BATCH_ALREADY_CONFIRMED")
    context = _document_context(batch_id)
    masked = batch_file.masked_document(cipher.decrypt(confirmed.document, associated_data=context))
    confirmed = await repository.replace_document(
        connection, tenant, batch_id, document=cipher.encrypt(masked, associated_data=context), ibans_masked=True
    )
    paid = await repository.mark_batch_paid(connection, tenant, batch_id, now)
    return CreatedBatch(batch=confirmed, payouts=paid)


async def erase_from_batch_file(
    connection: AsyncConnection, tenant: Tenant, cipher: Cipher, batch: PayoutBatch, end_to_end_ids: list[str],
    *, placeholder: str,
) -> None:
    """A confirmed batch's stored file without the creditor name and IBAN of these transfers (a customer's
    erasure); sealed again as it was stored."""
    context = _document_context(batch.id)
    clear = batch_file.is_clear(batch.document)
    content = batch.document if clear else cipher.decrypt(batch.document, associated_data=context)
    redacted = redact_transfers(content, end_to_end_ids, placeholder=placeholder)
    if redacted != content:
        stored = redacted if clear else cipher.encrypt(redacted, associated_data=context)
        await repository.replace_document(connection, tenant, batch.id, document=stored, ibans_masked=batch.ibans_masked)


# Batches read per transaction by the instance-wide passes below.
MAINTENANCE_BATCH = 200


async def seal_clear_documents(connection: AsyncConnection, cipher: Cipher, *, after_id: str = "") -> tuple[int, str | None]:
    """One page of the pass that encrypts the documents stored in clear before encryption at rest (masking
    those of confirmed batches first): how many it sealed, and where the next page starts (None at the end)."""
    page = await repository.batches_after(connection, after_id, limit=MAINTENANCE_BATCH, clear_only=True)
    sealed = 0
    for batch in page:
        if not batch_file.is_clear(batch.document):
            continue
        confirmed = batch.status == BatchStatus.CONFIRMED
        content = batch_file.masked_document(batch.document) if confirmed else batch.document
        sealed += await repository.swap_document(
            connection, batch, document=cipher.encrypt(content, associated_data=_document_context(batch.id)),
            ibans_masked=confirmed,
        )
    return sealed, (page[-1].id if len(page) == MAINTENANCE_BATCH else None)


async def fail_payout(connection: AsyncConnection, tenant: Tenant, payout_id: str, *, reason: str) -> Payout:
    """The bank rejected (or will not execute) this payout. Once only; a paid payout cannot fail here."""
    current = await get_payout(connection, tenant, payout_id)
    failed = await repository.fail_if_unsettled(connection, tenant, payout_id, reason=reason, now=clock.now())
    if failed is None:
        raise Conflict(f"Payout {payout_id} is {current.status} and cannot be marked failed.", code="PAYOUT_SETTLED")
    return failed


async def list_batches(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[PayoutBatch], int]:
    return await repository.list_batches(connection, tenant, params)


async def tenant_of_batch(connection: AsyncConnection, batch_id: str) -> Tenant:
    """The tenant a batch belongs to (operator CLI)."""
    batch = await repository.find_batch_any_tenant(connection, batch_id)
    if batch is None:
        raise NotFound(f"Payout batch {batch_id} not found.")
    return batch.tenant


async def paid_payouts_of_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str) -> list[Payout]:
    in_batch = await repository.payouts_in_batch(connection, tenant, batch_id)
    return [payout for payout in in_batch if payout.status == PayoutStatus.PAID]


async def count_stored_ibans(connection: AsyncConnection) -> int:
    return await repository.count_stored_ibans(connection)


async def reencrypt_ibans(connection: AsyncConnection, rotation: Rotation, after_id: str) -> tuple[int, str | None]:
    """One page of a key rotation over the shoppers' IBANs: how many it read, and where the next page starts."""
    page = await repository.payouts_with_iban_after(connection, after_id, limit=MAINTENANCE_BATCH)
    for payout in page:
        if payout.iban_encrypted is None:
            continue
        resealed = rotation.reseal(payout.iban_encrypted, associated_data=_iban_context(payout.id))
        if resealed is not None:
            await repository.swap_iban(connection, payout, iban_encrypted=resealed)
    return len(page), (page[-1].id if len(page) == MAINTENANCE_BATCH else None)


async def count_batches(connection: AsyncConnection) -> int:
    return await repository.count_batches(connection)


async def reencrypt_documents(connection: AsyncConnection, rotation: Rotation, after_id: str) -> tuple[int, str | None]:
    """One page of a key rotation over the batch files (sealed beforehand: `seal_clear_documents`)."""
    page = await repository.batches_after(connection, after_id, limit=MAINTENANCE_BATCH)
    for batch in page:
        resealed = rotation.reseal(batch.document, associated_data=_document_context(batch.id))
        if resealed is not None:
            await repository.swap_document(connection, batch, document=resealed, ibans_masked=batch.ibans_masked)
    return len(page), (page[-1].id if len(page) == MAINTENANCE_BATCH else None)
