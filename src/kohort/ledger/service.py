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

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.kit import clock
from kohort.kit.ids import new_id
from kohort.ledger import accounts, repository
from kohort.ledger.accounts import Account
from kohort.ledger.domain import Entry, LedgerTransaction, Posting, PostingKind
from kohort.ledger.errors import DuplicatePosting, UnbalancedPosting
from kohort.tenant import Tenant

# Callers build postings through this module (`ledger.Posting(…)`, `ledger.Entry(…)`).
__all__ = [
    "Entry", "Posting", "PostingKind", "balance", "balances", "check_balanced", "post", "post_many", "postings_of_order",
    "receivable_raised", "receivables_of_customers", "reverse",
]


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


async def post(connection: AsyncConnection, posting: Posting) -> bool:
    """Record one posting. False (and nothing written) if its idempotency key was already posted."""
    lines = check_balanced(posting)
    transaction_id, now = new_id("ltx"), clock.now()
    if not await repository.insert_transaction_unless_posted(connection, posting, transaction_id, now):
        return False
    await repository.insert_entries(connection, [(posting, transaction_id, lines)], now)
    return True


async def post_many(connection: AsyncConnection, postings: Sequence[Posting]) -> None:
    """Record many new postings in a few statements (settlement batches). Every posting is checked before
    anything is written; a key already posted raises DuplicatePosting and the caller must roll back."""
    now = clock.now()
    checked = [(posting, new_id("ltx"), check_balanced(posting)) for posting in postings]
    try:
        await repository.insert_transactions(connection, checked, now)
    except IntegrityError as error:
        raise DuplicatePosting(str(error.orig)) from None
    await repository.insert_entries(connection, checked, now)


async def reverse(connection: AsyncConnection, tenant: Tenant, *, original_key: str, idempotency_key: str) -> bool:
    """Cancel a posting by posting its opposite (entries are never edited). False if `idempotency_key` was
    already posted; LookupError if there is no such original in this tenant."""
    original = await repository.find_transaction(connection, tenant, original_key)
    if original is None:
        raise LookupError(f"no posting {original_key}")
    lines = await repository.entries_of(connection, original.id)
    posting = Posting(
        tenant=tenant,
        kind=original.kind.reversal,
        idempotency_key=idempotency_key,
        entries=[Entry(account=line.account, amount=-line.amount, order_id=line.order_id) for line in lines],
        reverses_id=original.id,
    )
    return await post(connection, posting)


async def balance(connection: AsyncConnection, tenant: Tenant, account: Account, *, order_id: str | None = None) -> int:
    """Sum of the entries on `account` (for one order if given): positive is a debit balance."""
    return await repository.balance(connection, tenant, account, order_id=order_id)


async def balances(connection: AsyncConnection, tenant: Tenant) -> dict[Account, int]:
    """Every account of the tenant that has entries, with its balance."""
    return await repository.balances(connection, tenant)


async def postings_of_order(connection: AsyncConnection, tenant: Tenant, order_id: str) -> list[LedgerTransaction]:
    """What the books recorded about one order (settled, withdrawn, paid, their corrections), oldest first."""
    return await repository.postings_of_order(connection, tenant, order_id)


async def receivables_of_customers(
    connection: AsyncConnection, tenant: Tenant, customer_ids: Sequence[str]
) -> list[tuple[str, str, int]]:
    """(customer id, order id, cents) for each order whose shopper still owes cashback back (the balance
    of its CASHBACK_RECEIVABLE entries), oldest order first."""
    return await repository.receivables_of_customers(connection, tenant, customer_ids)


async def receivable_raised(connection: AsyncConnection, tenant: Tenant, order_id: str) -> int:
    """What the receivable of this order was ever debited with (refunds leaving its shopper owing), before
    any of it was netted."""
    return await repository.receivable_raised(connection, tenant, order_id)
