"""Posting to the ledger.

A posting (one `ledger_transactions` row) groups entries that sum to zero; it carries an idempotency
key, unique in the database, so the same business event can never be recorded twice:

    post(connection, posting)        → True if written, False if that key was already posted (a no-op)
    post_many(connection, postings)  → all written in bulk, or DuplicatePosting (roll back) if any key was
    reverse(connection, tenant, original_key=, idempotency_key=)   a correction: the opposite entries

Entries are never updated nor deleted; balances are sums of entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.ledger import accounts, repository
from kohort.ledger.errors import DuplicatePosting, UnbalancedPosting
from kohort.tenant import Tenant


class Entry(NamedTuple):
    """One line of a posting: `amount` cents on `account`, debit if positive, credit if negative.
    (A NamedTuple: settlement builds hundreds of thousands of them.)"""

    account: str
    amount: int
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Posting:
    tenant: Tenant
    kind: str
    idempotency_key: str
    entries: Sequence[Entry]
    reverses_id: str | None = field(default=None)


def check_balanced(posting: Posting) -> list[Entry]:
    """The posting's non-zero entries, or UnbalancedPosting if they do not sum to zero."""
    lines = [entry for entry in posting.entries if entry.amount != 0]
    if not lines:
        raise UnbalancedPosting(f"posting {posting.idempotency_key} has no non-zero entry")
    unknown = {entry.account for entry in lines} - accounts.ALL
    if unknown:
        raise UnbalancedPosting(f"posting {posting.idempotency_key} names unknown accounts {sorted(unknown)}")
    if any(not isinstance(entry.amount, int) or isinstance(entry.amount, bool) for entry in lines):
        raise UnbalancedPosting(f"posting {posting.idempotency_key}: amounts are integer cents")
    total = sum(entry.amount for entry in lines)
    if total != 0:
        raise UnbalancedPosting(f"posting {posting.idempotency_key} is unbalanced by {total} cents")
    return lines


def _rows(posting: Posting, transaction_id: str, lines: list[Entry], now: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = {
        "id": transaction_id,
        **posting.tenant.stamp(),
        "kind": posting.kind,
        "idempotency_key": posting.idempotency_key,
        "reverses_id": posting.reverses_id,
        "created_at": now,
    }
    entries = [
        {
            "transaction_id": transaction_id,
            "line": line,
            **posting.tenant.stamp(),
            "account": entry.account,
            "order_id": entry.order_id,
            "amount": entry.amount,
            "created_at": now,
        }
        for line, entry in enumerate(lines, start=1)
    ]
    return header, entries


async def post(connection: AsyncConnection, posting: Posting) -> bool:
    """Record one posting. False (and nothing written) if its idempotency key was already posted."""
    lines = check_balanced(posting)
    header, entries = _rows(posting, new_id("ltx"), lines, clock.now())
    if not await repository.insert_transaction_unless_posted(connection, header):
        return False
    await repository.insert_entries(connection, entries)
    return True


async def post_many(connection: AsyncConnection, postings: Sequence[Posting]) -> None:
    """Record many new postings in a few statements (settlement batches). Every posting is checked before
    anything is written; a key already posted raises DuplicatePosting and the caller must roll back."""
    now = clock.now()
    headers: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    for posting in postings:
        header, lines = _rows(posting, new_id("ltx"), check_balanced(posting), now)
        headers.append(header)
        entries.extend(lines)
    try:
        await repository.insert_transactions(connection, headers)
    except IntegrityError as error:
        raise DuplicatePosting(str(error.orig)) from None
    await repository.insert_entries(connection, entries)


async def reverse(connection: AsyncConnection, tenant: Tenant, *, original_key: str, idempotency_key: str) -> bool:
    """Cancel a posting by posting its opposite (entries are never edited). False if `idempotency_key` was
    already posted; LookupError if there is no such original in this tenant."""
    original = await repository.find_transaction(connection, tenant, original_key)
    if original is None:
        raise LookupError(f"no posting {original_key}")
    lines = await repository.entries_of(connection, original["id"])
    posting = Posting(
        tenant=tenant,
        kind=f"{original['kind']}.reversed",
        idempotency_key=idempotency_key,
        entries=[Entry(account=line["account"], amount=-line["amount"], order_id=line["order_id"]) for line in lines],
        reverses_id=original["id"],
    )
    return await post(connection, posting)


async def balance(connection: AsyncConnection, tenant: Tenant, account: str, *, order_id: str | None = None) -> int:
    """Sum of the entries on `account` (for one order if given): positive is a debit balance."""
    return await repository.balance(connection, tenant, account, order_id=order_id)


async def balances(connection: AsyncConnection, tenant: Tenant) -> dict[str, int]:
    """Every account of the tenant that has entries, with its balance."""
    return await repository.balances(connection, tenant)
