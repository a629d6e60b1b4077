"""The hash chain over postings: history that was rewritten, even into books that still balance and
reconcile, is detected.

Design (issue 12): postings are written as before, with no shared row to update, so concurrent writers
never queue on a per-tenant hot spot (issue 8). A sweep (`seal`: the worker's `ledger.seal`, or
`kohort ledger seal`) later seals each tenant's postings that are at least `SETTLE` old, oldest first
(created_at, then id), into that tenant's chain: the seal of posting n holds its position n and

    hash_n = SHA-256(hash_{n-1} ‖ "\n" ‖ canonical(posting n with its entries)),   hash_0 = 64 × "0"

in `ledger_seals` (append-only), and the tenant's head (`ledger_chain_heads`: last position and hash)
moves on. Exactly once: the sweep holds the head's row lock (SKIP LOCKED: a second sweeper passes the
tenant by), a posting has one seal (primary key) and a position one posting (unique index).

`kohort ledger check` walks every chain from position 1, recomputes each hash from the posting and its
entries as they are now, and reports the first broken link of each tenant (an entry, a header field or
a tenant moved, a posting deleted, a position skipped, a head that does not end the chain). Postings not
sealed yet (the last seconds of activity) are checked like all others (balance, reconciliation) but not
by the chain. The chain proves the books were not rewritten after sealing *unless the chain was rebuilt
too*: whoever can rewrite every seal can forge it. `kohort ledger seal` prints each tenant's head hash;
an operator who keeps those elsewhere (a log, a ticket) can prove the history up to them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.ledger import repository
from kohort.ledger.domain import ChainHead, ChainLine, SealedPosting
from kohort.tenant import Tenant

GENESIS = "0" * 64
# Postings younger than this are left for the next sweep: a transaction that wrote its posting a moment
# ago may not have committed, and a later commit with an earlier timestamp would come after it anyway.
SETTLE = timedelta(seconds=5)
# How far before the newest posting sealed anywhere (or before now) a sweep still looks for unsealed ones:
# a posting whose transaction committed that much later than it was written is never sealed (Kohort's
# transactions last seconds), and the sweep never rereads the whole ledger. Postings are sealed in the
# order the sweep finds them, which is the order the chain records.
LOOKBACK = timedelta(minutes=5)
# Postings read per query when verifying.
PAGE = 2000


def canonical(lines: Sequence[ChainLine]) -> bytes:
    """One posting (the header of `lines[0]`) and its entries, in line order, as the bytes the chain hashes:
    JSON, fixed field order, no whitespace, timestamps in UTC ISO 8601 with microseconds."""
    header = lines[0]
    entries = [
        [line.line, line.account, line.order_id, line.amount, line.entry_organization_id, line.entry_livemode]
        for line in lines if line.line is not None
    ]
    return json.dumps(
        [header.transaction_id, header.organization_id, header.livemode, header.kind, header.idempotency_key,
         header.reverses_id, _instant(header.created_at), entries],
        separators=(",", ":"), ensure_ascii=False,
    ).encode()


def _instant(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat(
        timespec="microseconds")


def link(previous: str, lines: Sequence[ChainLine]) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(lines)).hexdigest()


async def seal(connection: AsyncConnection, *, now: datetime, limit: int, settle: timedelta = SETTLE) -> int:
    """Seal up to `limit` postings at least `settle` old, oldest first, each tenant's into its chain.
    Returns how many were sealed."""
    since = await repository.sealing_since(connection, lookback=LOOKBACK, now=now)
    sealed = 0
    for tenant in await repository.tenants_with_unsealed(connection, since=since, before=now - settle, limit=limit):
        if sealed >= limit:
            break
        sealed += await _seal_tenant(connection, tenant, since=since, now=now, limit=limit - sealed, settle=settle)
    return sealed


async def _seal_tenant(connection: AsyncConnection, tenant: Tenant, *, since: datetime | None, now: datetime,
                       limit: int, settle: timedelta) -> int:
    head = await repository.lock_chain_head(connection, tenant, genesis=GENESIS, now=now)
    if head is None:
        return 0  # another sweeper is sealing this tenant
    # Read under the head's lock: what another sweeper sealed before we got it is not sealed twice.
    postings = await repository.unsealed_postings(connection, tenant, since=since, before=now - settle, limit=limit)
    if not postings:
        return 0
    seals, previous, position = [], head.hash, head.position
    for lines in postings:
        position += 1
        previous = link(previous, lines)
        seals.append(SealedPosting(lines[0].transaction_id, position, previous))
    newest = max(lines[0].created_at for lines in postings if lines[0].created_at is not None)
    await repository.insert_seals(connection, tenant, seals, now=now)
    through = newest if head.sealed_through is None else max(newest, head.sealed_through)
    await repository.advance_chain_head(connection, tenant, ChainHead(position, previous, through), now=now)
    return len(seals)


async def head(connection: AsyncConnection, tenant: Tenant) -> ChainHead | None:
    """Where the tenant's chain ends (None before its first seal)."""
    return await repository.chain_head(connection, tenant)


async def heads(connection: AsyncConnection, *, organization_id: str | None = None) -> list[tuple[Tenant, ChainHead]]:
    return await repository.chain_heads(connection, organization_id=organization_id)


async def broken_links(connection: AsyncConnection, tenant: Tenant) -> str | None:
    """The first broken link of the tenant's chain, described; None when the chain holds (or is empty)."""
    head = await repository.chain_head(connection, tenant)
    previous, position = GENESIS, 0
    while True:
        page = await repository.sealed_lines(connection, tenant, after=position, limit=PAGE)
        if not page:
            break
        for lines in page:
            first = lines[0]
            if first.position != position + 1:
                return f"link {position + 1} is missing (the chain jumps from {position} to {first.position})"
            position = first.position
            if first.kind is None:
                return f"link {position}: posting {first.transaction_id} was deleted"
            expected = link(previous, lines)
            if expected != first.hash:
                return (f"link {position}: posting {first.transaction_id} ({first.kind}, {first.idempotency_key}) "
                        "is not what was sealed (an entry, a field or the seal was rewritten)")
            previous = first.hash
    if head is None:
        return f"{position} sealed posting(s) but no chain head" if position else None
    if (head.position, head.hash) != (position, previous):
        return f"the head says {head.position} link(s) ending {head.hash[:12]}…, the chain has {position} ending " \
               f"{previous[:12]}…"
    return None
