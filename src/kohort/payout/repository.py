"""Queries for payout accounts, payouts and batches, always inside one tenant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import fetch_page, insert_ignoring_conflicts
from kohort.kit.crypto import PREFIX as CIPHERTEXT_PREFIX
from kohort.kit.listing import ListParams, wire_columns
from kohort.models import BatchStatus, PayoutStatus, payout_accounts, payout_batches, payouts
from kohort.payout.domain import Payout, PayoutAccount, PayoutBatch
from kohort.tenant import Tenant

PAYOUT_LIST_COLUMNS = wire_columns(payouts, exclude=frozenset({"iban_encrypted"}))
BATCH_LIST_COLUMNS = wire_columns(payout_batches, exclude=frozenset({"document"}))


def _values(table: Table, value: Payout | PayoutBatch) -> dict[str, Any]:
    """A new row's insert parameters, from the value it will be read back as."""
    return {column.name: getattr(value, column.name) for column in table.columns}


def _payout(row: Sequence[Any] | None) -> Payout | None:
    return Payout.from_row(row) if row is not None else None


def _batch(row: Sequence[Any] | None) -> PayoutBatch | None:
    return PayoutBatch.from_row(row) if row is not None else None


async def get_account(connection: AsyncConnection, tenant: Tenant) -> PayoutAccount | None:
    statement = select(payout_accounts).where(tenant.owns(payout_accounts))
    row = (await connection.execute(statement)).first()
    return PayoutAccount.from_row(row) if row is not None else None


async def upsert_account(
    connection: AsyncConnection, tenant: Tenant, *, debtor_name: str, iban: str, bic: str | None, now: datetime
) -> PayoutAccount:
    changes = {"debtor_name": debtor_name, "iban": iban, "bic": bic, "updated_at": now}
    inserted = insert_ignoring_conflicts(connection, payout_accounts, ["organization_id", "livemode"])
    await connection.execute(inserted.values(**tenant.stamp(), **changes, created_at=now))
    statement = update(payout_accounts).where(tenant.owns(payout_accounts)).values(**changes).returning(payout_accounts)
    return PayoutAccount.from_row((await connection.execute(statement)).one())


async def insert_payout(connection: AsyncConnection, payout: Payout) -> Payout:
    statement = insert(payouts).values(**_values(payouts, payout)).returning(payouts)
    return Payout.from_row((await connection.execute(statement)).one())


async def get_payout(connection: AsyncConnection, tenant: Tenant, payout_id: str) -> Payout | None:
    statement = select(payouts).where(tenant.owns(payouts), payouts.c.id == payout_id)
    return _payout((await connection.execute(statement)).first())


async def latest_payout_for_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> Payout | None:
    statement = (
        select(payouts)
        .where(tenant.owns(payouts), payouts.c.order_id == order_id)
        .order_by(payouts.c.created_at.desc(), payouts.c.id.desc())
        .limit(1)
    )
    return _payout((await connection.execute(statement)).first())


async def list_payouts(
    connection: AsyncConnection, tenant: Tenant, params: ListParams, *, batch_id: str | None = None
) -> tuple[list[Payout], int]:
    conditions = [tenant.owns(payouts)]
    if batch_id is not None:
        conditions.append(payouts.c.batch_id == batch_id)
    return await fetch_page(
        connection, payouts, columns=PAYOUT_LIST_COLUMNS, params=params, conditions=conditions, build=Payout.from_row
    )


async def payouts_in_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str) -> list[Payout]:
    statement = (
        select(payouts).where(tenant.owns(payouts), payouts.c.batch_id == batch_id).order_by(payouts.c.created_at, payouts.c.id)
    )
    return [Payout.from_row(row) for row in (await connection.execute(statement)).all()]


async def insert_batch(connection: AsyncConnection, batch: PayoutBatch) -> None:
    await connection.execute(insert(payout_batches).values(**_values(payout_batches, batch)))


async def claim_pending(connection: AsyncConnection, tenant: Tenant, batch_id: str, now: datetime) -> list[Payout]:
    """Move every PENDING payout of the tenant into the batch, atomically: a payout can only ever be in
    one batch, even if two exports run at once (the second finds nothing left to claim)."""
    statement = (
        update(payouts)
        .where(tenant.owns(payouts), payouts.c.status == PayoutStatus.PENDING)
        .values(status=PayoutStatus.IN_BATCH, batch_id=batch_id, updated_at=now)
        .returning(payouts)
    )
    claimed = [Payout.from_row(row) for row in (await connection.execute(statement)).all()]
    return sorted(claimed, key=lambda payout: (payout.created_at, payout.id))


async def pending_payouts(connection: AsyncConnection, tenant: Tenant) -> list[Payout]:
    statement = (
        select(payouts).where(tenant.owns(payouts), payouts.c.status == PayoutStatus.PENDING)
        .order_by(payouts.c.created_at, payouts.c.id)
    )
    return [Payout.from_row(row) for row in (await connection.execute(statement)).all()]


async def pending_summary(connection: AsyncConnection, tenant: Tenant) -> tuple[int, int]:
    """(count, total amount) of the pending payouts: one aggregate, however many there are."""
    statement = select(func.count(), func.coalesce(func.sum(payouts.c.amount), 0)).where(
        tenant.owns(payouts), payouts.c.status == PayoutStatus.PENDING)
    count, total = (await connection.execute(statement)).one()
    return int(count), int(total)


async def require_attention(
    connection: AsyncConnection, tenant: Tenant, payout_id: str, *, reason: str, now: datetime
) -> Payout | None:
    """PENDING, or IN_BATCH in a batch still being built → REQUIRES_ATTENTION, out of any batch."""
    statement = (
        update(payouts)
        .where(
            tenant.owns(payouts), payouts.c.id == payout_id,
            payouts.c.status.in_((PayoutStatus.PENDING, PayoutStatus.IN_BATCH)),
        )
        .values(status=PayoutStatus.REQUIRES_ATTENTION, attention_reason=reason[:200], batch_id=None, updated_at=now)
        .returning(payouts)
    )
    return _payout((await connection.execute(statement)).first())


async def fill_batch(
    connection: AsyncConnection, tenant: Tenant, batch_id: str, *, message_id: str, payout_count: int,
    total_amount: int, document: str,
) -> PayoutBatch:
    """The batch's file and totals, once its payouts are claimed and the file built."""
    statement = (
        update(payout_batches).where(tenant.owns(payout_batches), payout_batches.c.id == batch_id)
        .values(message_id=message_id, payout_count=payout_count, total_amount=total_amount, document=document)
        .returning(payout_batches)
    )
    return PayoutBatch.from_row((await connection.execute(statement)).one())


async def get_batch(connection: AsyncConnection, tenant: Tenant, batch_id: str) -> PayoutBatch | None:
    statement = select(payout_batches).where(tenant.owns(payout_batches), payout_batches.c.id == batch_id)
    return _batch((await connection.execute(statement)).first())


async def confirm_batch_if_exported(
    connection: AsyncConnection, tenant: Tenant, batch_id: str, now: datetime
) -> PayoutBatch | None:
    """EXPORTED → CONFIRMED, once: None when the batch is unknown or was already confirmed."""
    statement = (
        update(payout_batches)
        .where(
            tenant.owns(payout_batches), payout_batches.c.id == batch_id,
            payout_batches.c.status == BatchStatus.EXPORTED,
        )
        .values(status=BatchStatus.CONFIRMED, confirmed_at=now)
        .returning(payout_batches)
    )
    return _batch((await connection.execute(statement)).first())


async def replace_document(
    connection: AsyncConnection, tenant: Tenant, batch_id: str, *, document: str, ibans_masked: bool
) -> PayoutBatch:
    statement = (
        update(payout_batches).where(tenant.owns(payout_batches), payout_batches.c.id == batch_id)
        .values(document=document, ibans_masked=ibans_masked)
        .returning(payout_batches)
    )
    return PayoutBatch.from_row((await connection.execute(statement)).one())


async def mark_batch_paid(connection: AsyncConnection, tenant: Tenant, batch_id: str, now: datetime) -> list[Payout]:
    """Every payout of the batch still IN_BATCH becomes PAID; its IBAN is erased (no longer needed)."""
    statement = (
        update(payouts)
        .where(tenant.owns(payouts), payouts.c.batch_id == batch_id, payouts.c.status == PayoutStatus.IN_BATCH)
        .values(status=PayoutStatus.PAID, paid_at=now, updated_at=now, iban_encrypted=None)
        .returning(payouts)
    )
    return [Payout.from_row(row) for row in (await connection.execute(statement)).all()]


async def fail_if_unsettled(
    connection: AsyncConnection, tenant: Tenant, payout_id: str, *, reason: str, now: datetime
) -> Payout | None:
    """PENDING, IN_BATCH or REQUIRES_ATTENTION → FAILED, once; the IBAN is erased (the shopper enters one
    again)."""
    statement = (
        update(payouts)
        .where(
            tenant.owns(payouts), payouts.c.id == payout_id,
            payouts.c.status.in_((PayoutStatus.PENDING, PayoutStatus.IN_BATCH, PayoutStatus.REQUIRES_ATTENTION)),
        )
        .values(status=PayoutStatus.FAILED, failure_reason=reason, failed_at=now, updated_at=now, iban_encrypted=None)
        .returning(payouts)
    )
    return _payout((await connection.execute(statement)).first())


async def list_batches(connection: AsyncConnection, tenant: Tenant, params: ListParams) -> tuple[list[PayoutBatch], int]:
    # Batches take no search: a batch is found by id, and its payouts are listed with /payouts.
    conditions = [tenant.owns(payout_batches)]
    params = replace(params, search=None)
    return await fetch_page(
        connection, payout_batches, columns=BATCH_LIST_COLUMNS, params=params, conditions=conditions,
        build=PayoutBatch.from_row,
    )


async def find_batch_any_tenant(connection: AsyncConnection, batch_id: str) -> PayoutBatch | None:
    """A batch by id, whatever its tenant: for the operator's CLI (`kohort payouts confirm`)."""
    statement = select(payout_batches).where(payout_batches.c.id == batch_id)
    return _batch((await connection.execute(statement)).first())


async def batches_after(
    connection: AsyncConnection, after_id: str, *, limit: int, clear_only: bool = False
) -> list[PayoutBatch]:
    """Every tenant's batches in id order, from `after_id` on (`clear_only`: those whose document is not a
    ciphertext): instance maintenance (sealing documents stored in clear, re-encrypting under a new key), which is
    not any one merchant's business."""
    conditions = [payout_batches.c.id > after_id]
    if clear_only:
        conditions.append(~payout_batches.c.document.startswith(CIPHERTEXT_PREFIX))
    statement = select(payout_batches).where(*conditions).order_by(payout_batches.c.id).limit(limit)
    return [PayoutBatch.from_row(row) for row in (await connection.execute(statement)).all()]


async def swap_document(connection: AsyncConnection, batch: PayoutBatch, *, document: str, ibans_masked: bool) -> bool:
    """The batch's stored document replaced, if it is still the one read (another process may have done it)."""
    statement = (
        update(payout_batches)
        .where(batch.tenant.owns(payout_batches), payout_batches.c.id == batch.id,
               payout_batches.c.document == batch.document)
        .values(document=document, ibans_masked=ibans_masked)
    )
    return bool((await connection.execute(statement)).rowcount)


async def count_batches(connection: AsyncConnection) -> int:
    return int((await connection.execute(select(func.count()).select_from(payout_batches))).scalar_one())


async def count_stored_ibans(connection: AsyncConnection) -> int:
    statement = select(func.count()).select_from(payouts).where(payouts.c.iban_encrypted.is_not(None))
    return int((await connection.execute(statement)).scalar_one())


async def payouts_with_iban_after(connection: AsyncConnection, after_id: str, *, limit: int) -> list[Payout]:
    """Every tenant's payouts still holding an IBAN, in id order from `after_id` on (key rotation)."""
    statement = (
        select(payouts).where(payouts.c.id > after_id, payouts.c.iban_encrypted.is_not(None))
        .order_by(payouts.c.id).limit(limit)
    )
    return [Payout.from_row(row) for row in (await connection.execute(statement)).all()]


async def swap_iban(connection: AsyncConnection, payout: Payout, *, iban_encrypted: str) -> bool:
    """The payout's IBAN ciphertext replaced, if it is still the one read (not erased by a settlement meanwhile)."""
    statement = (
        update(payouts)
        .where(payout.tenant.owns(payouts), payouts.c.id == payout.id,
               payouts.c.iban_encrypted == payout.iban_encrypted)
        .values(iban_encrypted=iban_encrypted)
    )
    return bool((await connection.execute(statement)).rowcount)


async def payouts_of_orders(connection: AsyncConnection, tenant: Tenant, order_ids: Sequence[str]) -> list[Payout]:
    if not order_ids:
        return []
    statement = (
        select(payouts)
        .where(tenant.owns(payouts), payouts.c.order_id.in_(order_ids))
        .order_by(payouts.c.created_at, payouts.c.id)
    )
    return [Payout.from_row(row) for row in (await connection.execute(statement)).all()]


async def erase_holders(connection: AsyncConnection, tenant: Tenant, payout_ids: Sequence[str], *, masked: str) -> None:
    """The holder's name and IBAN (encrypted and masked) gone from these payouts; amounts and statuses stay."""
    if payout_ids:
        await connection.execute(
            update(payouts)
            .where(tenant.owns(payouts), payouts.c.id.in_(payout_ids))
            .values(holder_name=None, iban_encrypted=None, iban_masked=masked)
        )


async def batches_by_ids(connection: AsyncConnection, tenant: Tenant, batch_ids: Sequence[str]) -> list[PayoutBatch]:
    if not batch_ids:
        return []
    statement = select(payout_batches).where(tenant.owns(payout_batches), payout_batches.c.id.in_(batch_ids))
    return [PayoutBatch.from_row(row) for row in (await connection.execute(statement)).all()]
