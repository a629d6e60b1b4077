"""Reconciling the books (`kohort ledger check`, and the tests' `violations()`).

Nothing is taken on trust: every figure is recomputed from first principles, with the same rule
functions the flows use (`Ladder.cashback`, `application_fee`), and compared with what the rows store and
with what the ledger recorded. One tenant (organization, mode) at a time:

* postings: every posting sums to zero within one tenant, has entries, names a known kind and only the
  accounts its kind moves, and traces back to what caused it (its idempotency key names an existing group,
  payout or refund of the tenant, in the state that posting implies; a correction names its original);
  entries on a shopper's account name an order of the tenant; no entry lacks its posting;
* every order, whatever its status: its refunds add up to `amount_refunded` ≤ `amount`; its fee is the
  fee rule on its net amount (amount − refunds) at the rate it joined with; once its group completed, what
  it earned (`amount_cashback`, plus what was netted against the shopper's debts, less what a refund after
  payout made them owe back) is the cashback rule on its net amount at the level its group reached,
  counted from the orders that still take part; and the ledger holds `amount_cashback` in the place its
  status says (owed while held or available, in transit while paid out, paid once sent); receivables are
  never negative;
* groups: the participant count is the number of its orders still taking part;
* every payout: the ledger moved exactly its amount when it was withdrawn, paid it iff it is PAID,
  reversed it iff it FAILED; an order being paid has exactly one payout under way, for its cashback, a
  sent order one PAID payout;
* every batch: its total and count are those of its payouts, and its status agrees with theirs;
* per tenant: cashback expense = what the orders earned, fees payable = fees of the completed groups'
  orders, merchant funds = what the PAID payouts took.

The first `REPORT_LIMIT` findings of each kind are reported, then how many more there were.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.ledger import repository
from kohort.ledger.accounts import ALL as ACCOUNTS
from kohort.ledger.accounts import Account
from kohort.ledger.domain import AuditGroup, AuditOrder, AuditPayout, AuditRefunds, PostingKind, PostingLine
from kohort.models import BatchStatus, GroupStatus, OrderStatus, PayoutStatus
from kohort.organization.fees import application_fee
from kohort.organization.ladder import Ladder
from kohort.tenant import Tenant

REPORT_LIMIT = 20
# Postings read per query: bounded memory whatever the size of the books.
PAGE = 5000

# (done, total) steps, for a progress bar.
ProgressCallback = Callable[[int, int], None]


class Finding(StrEnum):
    """The kinds of violation, each reported up to REPORT_LIMIT times."""

    POSTING = "posting"
    ORDER = "order"
    GROUP = "group"
    PAYOUT = "payout"
    BATCH = "batch"
    BOOKS = "books"


# Accounts holding what one shopper is owed, owes or is being paid: their entries must name the order.
PER_ORDER = frozenset({Account.CASHBACK_LIABILITY, Account.CASHBACK_IN_TRANSIT, Account.CASHBACK_RECEIVABLE})
_FEES = {Account.ACQUISITION_FEE_EXPENSE, Account.PLATFORM_FEES_PAYABLE}
# What each kind of posting may move (a correction moves what its original moved).
MOVES: dict[PostingKind, frozenset[Account]] = {
    PostingKind.GROUP_SETTLED: frozenset({Account.CASHBACK_EXPENSE, Account.CASHBACK_LIABILITY, *_FEES}),
    PostingKind.CASHBACK_WITHDRAWN: frozenset({Account.CASHBACK_LIABILITY, Account.CASHBACK_IN_TRANSIT}),
    PostingKind.CASHBACK_PAID: frozenset({Account.CASHBACK_IN_TRANSIT, Account.MERCHANT_FUNDS}),
    PostingKind.REFUND_ADJUSTED: frozenset({
        Account.CASHBACK_EXPENSE, Account.CASHBACK_LIABILITY, Account.CASHBACK_RECEIVABLE, *_FEES,
    }),
    PostingKind.RECEIVABLE_NETTED: frozenset({
        Account.CASHBACK_EXPENSE, Account.CASHBACK_LIABILITY, Account.CASHBACK_RECEIVABLE,
    }),
}
# Where each order status says the cashback sits: (owed, in transit, paid) as multiples of it.
WHERE_CASHBACK_SITS: dict[str, tuple[int, int, int]] = {
    OrderStatus.CASHBACK_PENDING: (1, 0, 0),
    OrderStatus.CASHBACK_AVAILABLE: (1, 0, 0),
    OrderStatus.CASHBACK_PROCESSING: (0, 1, 0),
    OrderStatus.CASHBACK_SENT: (0, 0, 1),
}
UNDER_WAY = (PayoutStatus.PENDING, PayoutStatus.IN_BATCH, PayoutStatus.REQUIRES_ATTENTION)
# What a payout of an order in this status must be (exactly one); no status here: no payout under way or paid.
PAYOUT_OF_STATUS: dict[str, tuple[PayoutStatus, ...]] = {
    OrderStatus.CASHBACK_PROCESSING: UNDER_WAY, OrderStatus.CASHBACK_SENT: (PayoutStatus.PAID,),
}
# What a batch in this status may hold.
BATCH_HOLDS: dict[str, frozenset[str]] = {
    BatchStatus.EXPORTED: frozenset({PayoutStatus.IN_BATCH, PayoutStatus.FAILED}),
    BatchStatus.CONFIRMED: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
}
_KINDS = frozenset(kind.value for kind in PostingKind)
_PAYOUT_STATUSES = frozenset(status.value for status in PayoutStatus)


def _base_kind(kind: str) -> PostingKind | None:
    """The kind a posting (or the original its correction cancels) records; None if unknown."""
    return PostingKind(kind.removesuffix(".reversed")) if kind in _KINDS else None


@dataclass
class Report:
    """Findings, the first REPORT_LIMIT of each kind kept as lines, the rest counted."""

    lines: list[str] = field(default_factory=list)
    counts: Counter[Finding] = field(default_factory=Counter)

    def add(self, kind: Finding, line: str) -> None:
        self.counts[kind] += 1
        if self.counts[kind] <= REPORT_LIMIT:
            self.lines.append(f"[{kind}] {line}")

    def summary(self) -> list[str]:
        more = [
            f"[{kind}] … and {count - REPORT_LIMIT} more {kind} violation(s)"
            for kind, count in sorted(self.counts.items()) if count > REPORT_LIMIT
        ]
        return self.lines + more


@dataclass
class _Books:
    """What one tenant's ledger says, gathered in one pass over its postings."""

    accounts: Counter[str] = field(default_factory=Counter)
    owed: Counter[str] = field(default_factory=Counter)  # -liability, per order
    in_transit: Counter[str] = field(default_factory=Counter)  # -in transit, per order
    paid: Counter[str] = field(default_factory=Counter)  # moved out of transit by CASHBACK_PAID, per order
    receivable: Counter[str] = field(default_factory=Counter)  # per order
    receivable_raised: Counter[str] = field(default_factory=Counter)  # by refunds (and their corrections)
    netted: Counter[str] = field(default_factory=Counter)  # cashback that paid a receivable back, per order
    withdrawn: dict[str, int] = field(default_factory=dict)  # payout id → what its withdrawal moved to transit
    reversed_withdrawals: dict[str, int] = field(default_factory=dict)  # payout id → what its failure moved back
    paid_payouts: dict[str, int] = field(default_factory=dict)  # payout id → what its payment moved


async def violations(
    connection: AsyncConnection, *, organization_id: str | None = None, on_progress: ProgressCallback | None = None
) -> list[str]:
    """Every broken invariant, as readable lines (the first REPORT_LIMIT of each kind, then how many more);
    empty when the books are right. All organizations, or only `organization_id`."""
    report = await audit(connection, organization_id=organization_id, on_progress=on_progress)
    return report.summary()


async def audit(
    connection: AsyncConnection, *, organization_id: str | None = None, on_progress: ProgressCallback | None = None
) -> Report:
    report = Report()
    for transaction_id, total in await repository.unbalanced_transactions(
        connection, organization_id=organization_id, limit=REPORT_LIMIT
    ):
        report.add(Finding.POSTING, f"posting {transaction_id} is unbalanced ({total:+d} cents) or mixes tenants")
    for transaction_id in await repository.orphan_entries(connection, organization_id=organization_id, limit=REPORT_LIMIT):
        report.add(Finding.POSTING, f"entries name posting {transaction_id}, which does not exist")
    tenants = await repository.audited_tenants(connection, organization_id=organization_id)
    sizes = {tenant: await repository.count_postings(connection, tenant) for tenant in tenants}
    total, done = sum(sizes.values()), 0
    for tenant in tenants:
        def step(count: int, base: int = done) -> None:
            if on_progress is not None:
                on_progress(base + count, total)
        await _audit_tenant(connection, tenant, report, step)
        done += sizes[tenant]
    return report


def _name(tenant: Tenant) -> str:
    return f"{tenant.organization_id} ({'live' if tenant.livemode else 'test'})"


async def _audit_tenant(
    connection: AsyncConnection, tenant: Tenant, report: Report, step: Callable[[int], None]
) -> None:
    orders = {order.id: order for order in await repository.audited_orders(connection, tenant)}
    groups = await repository.audited_groups(connection, tenant)
    refunds, refund_ids = await repository.audited_refunds(connection, tenant)
    payouts = {payout.id: payout for payout in await repository.audited_payouts(connection, tenant)}
    books = await _read_books(connection, tenant, report, step, orders=orders, groups=groups, payouts=payouts,
                              refund_ids=refund_ids)
    participants = _participants(orders.values(), groups, refunds)
    for group_id, count in participants.items():
        group = groups[group_id]
        if group.status != GroupStatus.CANCELED and group.participant_count != count:
            report.add(Finding.GROUP, f"group {group_id}: participantCount {group.participant_count} but {count} of "
                                      "its orders take part")
    earned_total = fees_total = 0
    for order in orders.values():
        earned, fee = _audit_order(order, groups.get(order.group_id or ""), participants, refunds, books, report)
        earned_total += earned
        fees_total += fee
    paid_total = _audit_payouts(orders, payouts, books, report)
    await _audit_batches(connection, tenant, payouts, report)
    for account in sorted(set(books.accounts) - ACCOUNTS):
        report.add(Finding.BOOKS, f"{_name(tenant)}: entries on unknown account {account!r}")
    expected = {
        Account.CASHBACK_EXPENSE: earned_total,
        Account.ACQUISITION_FEE_EXPENSE: fees_total,
        Account.PLATFORM_FEES_PAYABLE: -fees_total,
        Account.MERCHANT_FUNDS: -paid_total,
    }
    for account, figure in expected.items():
        if books.accounts[account] != figure:
            report.add(Finding.BOOKS, f"{_name(tenant)}: {account} balance {books.accounts[account]} but the "
                                      f"orders and payouts make it {figure}")


async def _read_books(
    connection: AsyncConnection, tenant: Tenant, report: Report, step: Callable[[int], None], *,
    orders: dict[str, AuditOrder], groups: dict[str, AuditGroup], payouts: dict[str, AuditPayout],
    refund_ids: set[str],
) -> _Books:
    books = _Books()
    reversals: dict[str, tuple[str, str]] = {}  # posting id → (its kind, the id of the original it names)
    after: str | None = None
    read = 0
    while True:
        lines, after = await repository.posting_lines(connection, tenant, after=after, limit=PAGE)
        if not lines:
            break
        by_posting: dict[str, list[PostingLine]] = defaultdict(list)
        for line in lines:
            by_posting[line.transaction_id].append(line)
        for transaction_id, entries in by_posting.items():
            _read_posting(tenant, transaction_id, entries, report, books, orders=orders, groups=groups,
                          payouts=payouts, refund_ids=refund_ids, reversals=reversals)
        read += len(by_posting)
        step(read)
    originals = await repository.transaction_kinds(connection, sorted({original for _, original in reversals.values()}))
    for transaction_id, (kind, original_id) in reversals.items():
        original = originals.get(original_id)
        if original is None or original[:2] != (tenant.organization_id, tenant.livemode) or original[2] + ".reversed" != kind:
            report.add(Finding.POSTING, f"posting {transaction_id} ({kind}) corrects {original_id}, which is no "
                                        f"{kind.removesuffix('.reversed')} posting of {_name(tenant)}")
    return books


def _read_posting(
    tenant: Tenant, transaction_id: str, entries: list[PostingLine], report: Report, books: _Books, *,
    orders: dict[str, AuditOrder], groups: dict[str, AuditGroup], payouts: dict[str, AuditPayout],
    refund_ids: set[str], reversals: dict[str, tuple[str, str]],
) -> None:
    header = entries[0]
    kind, key = header.kind, header.idempotency_key
    base = _base_kind(kind)
    if base is None:
        report.add(Finding.POSTING, f"posting {transaction_id} has an unknown kind {kind!r}")
        return
    if header.line is None:
        report.add(Finding.POSTING, f"posting {transaction_id} ({kind}, {key}) has no entries")
        return
    source = _source_problem(kind, key, orders=orders, groups=groups, payouts=payouts, refund_ids=refund_ids)
    if source:
        report.add(Finding.POSTING, f"posting {transaction_id} ({kind}, {key}): {source}")
    if kind != base:
        if header.reverses_id is None:
            report.add(Finding.POSTING, f"posting {transaction_id} ({kind}) names no original")
        else:
            reversals[transaction_id] = (kind, header.reverses_id)
    transit = 0
    for entry in entries:
        account, order_id, amount = entry.account or "", entry.order_id, entry.amount or 0
        books.accounts[account] += amount
        if account not in MOVES[base]:
            report.add(Finding.POSTING, f"posting {transaction_id} ({kind}) moves {account}, which a {base} never does")
        if account in PER_ORDER:
            if order_id is None or order_id not in orders:
                report.add(Finding.POSTING, f"posting {transaction_id} ({kind}): an entry on {account} names "
                                            f"{order_id or 'no order'}, no order of {_name(tenant)}")
                continue
            if account == Account.CASHBACK_LIABILITY:
                books.owed[order_id] -= amount
                if base == PostingKind.RECEIVABLE_NETTED:
                    books.netted[order_id] += amount
            elif account == Account.CASHBACK_IN_TRANSIT:
                books.in_transit[order_id] -= amount
                transit += amount
                if base == PostingKind.CASHBACK_PAID:
                    books.paid[order_id] += amount
            else:
                books.receivable[order_id] += amount
                if base == PostingKind.REFUND_ADJUSTED:
                    books.receivable_raised[order_id] += amount
    payout_id = key.split(":", 1)[1] if ":" in key else ""
    if kind == PostingKind.CASHBACK_WITHDRAWN:
        books.withdrawn[payout_id] = -transit
    elif kind == PostingKind.CASHBACK_WITHDRAWN_REVERSED:
        books.reversed_withdrawals[payout_id] = transit
    elif kind == PostingKind.CASHBACK_PAID:
        books.paid_payouts[payout_id] = transit


def _source_problem(
    kind: str, key: str, *, orders: dict[str, AuditOrder], groups: dict[str, AuditGroup],
    payouts: dict[str, AuditPayout], refund_ids: set[str],
) -> str | None:
    """Why the posting does not trace back to what caused it; None when it does."""
    prefix, _, reference = key.partition(":")
    if kind == PostingKind.GROUP_SETTLED:
        group = groups.get(reference) if prefix == "settlement" else None
        if group is None or group.status != GroupStatus.COMPLETED:
            return "no completed group of the tenant settled it"
    elif kind in (PostingKind.CASHBACK_WITHDRAWN, PostingKind.CASHBACK_WITHDRAWN_REVERSED, PostingKind.CASHBACK_PAID):
        expected = {
            PostingKind.CASHBACK_WITHDRAWN: "payout.withdrawn", PostingKind.CASHBACK_WITHDRAWN_REVERSED: "payout.failed",
            PostingKind.CASHBACK_PAID: "payout.paid",
        }[PostingKind(kind)]
        if prefix != expected or reference not in payouts:
            return "no payout of the tenant caused it"
    elif kind == PostingKind.REFUND_ADJUSTED and (prefix != "refund" or reference not in refund_ids):
        return "no refund of the tenant caused it"
    elif kind == PostingKind.RECEIVABLE_NETTED and (prefix != "netting" or reference.split(":")[0] not in orders):
        return "no order of the tenant had cashback netted by it"
    return None


def _participants(
    orders: Iterable[AuditOrder], groups: dict[str, AuditGroup], refunds: dict[str, AuditRefunds]
) -> Counter[str]:
    """Per group, its orders that take part: those with something left of their amount once the refunds
    made before the cashback was released are taken off (a refund after the release changes nobody's level)."""
    counted: Counter[str] = Counter()
    for order in orders:
        if order.group_id is None or order.group_id not in groups:
            continue
        counted[order.group_id] += 0
        refunded = refunds.get(order.id)
        if order.amount - (refunded.before_release if refunded else 0) > 0:
            counted[order.group_id] += 1
    return counted


def _audit_order(
    order: AuditOrder, group: AuditGroup | None, participants: Counter[str],
    refunds: dict[str, AuditRefunds], books: _Books, report: Report,
) -> tuple[int, int]:
    """Check one order; returns (cashback it earned, fee owed on it) as the books should count them."""
    refunded = refunds.get(order.id)
    if (refunded.total if refunded else 0) != order.amount_refunded:
        report.add(Finding.ORDER, f"order {order.id}: its refunds add up to {refunded.total if refunded else 0} "
                                  f"but amountRefunded is {order.amount_refunded}")
    if not 0 <= order.amount_refunded <= order.amount:
        report.add(Finding.ORDER, f"order {order.id}: amountRefunded {order.amount_refunded} is outside 0…{order.amount}")
    net = order.amount - order.amount_refunded
    fee = (application_fee(max(net, 0), fee_basis_points=order.application_fee_basis_points)
           if order.application_fee_basis_points is not None else 0)
    if fee != order.application_fee_amount:
        report.add(Finding.ORDER, f"order {order.id}: fee {order.application_fee_amount} but the rule on its net "
                                  f"amount {net} gives {fee}")
    cashback = order.amount_cashback or 0
    owed, in_transit, paid = books.owed[order.id], books.in_transit[order.id], books.paid[order.id]
    receivable = books.receivable[order.id]
    if order.cashback_netted != books.netted[order.id]:
        report.add(Finding.ORDER, f"order {order.id}: cashbackNetted {order.cashback_netted} but the ledger netted "
                                  f"{books.netted[order.id]}")
    if receivable < 0:
        report.add(Finding.ORDER, f"order {order.id}: the shopper's receivable is negative ({receivable})")
    completed = group is not None and group.status == GroupStatus.COMPLETED
    if order.status == OrderStatus.CREATED or order.status not in WHERE_CASHBACK_SITS:
        if order.status != OrderStatus.CREATED:
            report.add(Finding.ORDER, f"order {order.id}: unknown status {order.status!r}")
        if completed:
            report.add(Finding.ORDER, f"order {order.id} is still {order.status} but its group completed")
        if cashback or owed or in_transit or paid or receivable:
            report.add(Finding.ORDER, f"order {order.id} ({order.status}): cashback {cashback}, ledger owed "
                                      f"{owed}, in transit {in_transit}, paid {paid}, receivable {receivable}; "
                                      "all must be 0")
        return 0, 0
    if group is None or not completed:
        report.add(Finding.ORDER, f"order {order.id} is {order.status} but its group is not completed")
        return cashback, 0
    ladder = Ladder.of(group.discount_type, group.discount_levels)
    level = ladder.reached(participants[group.id])
    due = ladder.cashback(level, net)
    # What the order earned: what is left to withdraw (or was), what went to pay a receivable back, less what
    # a refund after payout made the shopper owe.
    earned = cashback + books.netted[order.id] - books.receivable_raised[order.id]
    if earned != due:
        report.add(Finding.ORDER, f"order {order.id}: earned {earned} (amountCashback {cashback}) but net amount "
                                  f"{net} at the group's level ({level.value if level else 0}) earns {due}")
    if (order.status == OrderStatus.CASHBACK_PENDING) == group.released:
        report.add(Finding.ORDER, f"order {order.id} is {order.status} but its group's hold "
                                  f"{'ended' if group.released else 'is not over'}")
    where = WHERE_CASHBACK_SITS[order.status]
    if (owed, in_transit, paid) != (where[0] * cashback, where[1] * cashback, where[2] * cashback):
        report.add(Finding.ORDER, f"order {order.id} ({order.status}, cashback {cashback}): the ledger holds owed "
                                  f"{owed}, in transit {in_transit}, paid {paid}")
    return due, fee


def _audit_payouts(
    orders: dict[str, AuditOrder], payouts: dict[str, AuditPayout], books: _Books, report: Report
) -> int:
    """Check every payout against the ledger and its order; returns what the PAID payouts took."""
    live: dict[str, list[AuditPayout]] = defaultdict(list)
    paid_total = 0
    for payout in payouts.values():
        order = orders.get(payout.order_id)
        if order is None:
            report.add(Finding.PAYOUT, f"payout {payout.id} names order {payout.order_id}, no order of its tenant")
            continue
        withdrawn = books.withdrawn.get(payout.id)
        if withdrawn is None:
            report.add(Finding.PAYOUT, f"payout {payout.id}: no withdrawal posting")
        elif withdrawn != payout.amount:
            report.add(Finding.PAYOUT, f"payout {payout.id}: amount {payout.amount} but its withdrawal moved {withdrawn}")
        failed = books.reversed_withdrawals.get(payout.id)
        paid = books.paid_payouts.get(payout.id)
        if (payout.status == PayoutStatus.FAILED) != (failed is not None):
            report.add(Finding.PAYOUT, f"payout {payout.id} is {payout.status} but the ledger "
                                       f"{'reversed' if failed is not None else 'did not reverse'} its withdrawal")
        elif failed is not None and failed != payout.amount:
            report.add(Finding.PAYOUT, f"payout {payout.id}: amount {payout.amount} but its failure moved back {failed}")
        if (payout.status == PayoutStatus.PAID) != (paid is not None):
            report.add(Finding.PAYOUT, f"payout {payout.id} is {payout.status} but the ledger "
                                       f"{'paid' if paid is not None else 'did not pay'} it")
        elif paid is not None and paid != payout.amount:
            report.add(Finding.PAYOUT, f"payout {payout.id}: amount {payout.amount} but the ledger paid {paid}")
        if payout.status == PayoutStatus.PAID:
            paid_total += payout.amount
        if payout.status in (*UNDER_WAY, PayoutStatus.PAID):
            live[payout.order_id].append(payout)
        if payout.status not in _PAYOUT_STATUSES:
            report.add(Finding.PAYOUT, f"payout {payout.id}: unknown status {payout.status!r}")
    for order in orders.values():
        mine = live.get(order.id, [])
        wanted = PAYOUT_OF_STATUS.get(order.status)
        if wanted is None:
            if mine:
                report.add(Finding.PAYOUT, f"order {order.id} is {order.status} but payout {mine[0].id} is {mine[0].status}")
        elif len(mine) != 1 or mine[0].status not in wanted:
            report.add(Finding.PAYOUT, f"order {order.id} is {order.status} but has "
                                       f"{', '.join(f'{p.id} {p.status}' for p in mine) or 'no payout'} under way or paid")
        elif mine[0].amount != (order.amount_cashback or 0):
            report.add(Finding.PAYOUT, f"payout {mine[0].id}: amount {mine[0].amount} but order {order.id} has "
                                       f"cashback {order.amount_cashback or 0}")
    return paid_total


async def _audit_batches(
    connection: AsyncConnection, tenant: Tenant, payouts: dict[str, AuditPayout], report: Report
) -> None:
    members: dict[str, list[AuditPayout]] = defaultdict(list)
    for payout in payouts.values():
        if payout.batch_id is not None:
            members[payout.batch_id].append(payout)
        elif payout.status in (PayoutStatus.IN_BATCH, PayoutStatus.PAID):
            report.add(Finding.PAYOUT, f"payout {payout.id} is {payout.status} but in no batch")
    batches = await repository.audited_batches(connection, tenant)
    known = {batch.id for batch in batches}
    for batch_id in sorted(set(members) - known):
        report.add(Finding.BATCH, f"payouts name batch {batch_id}, no batch of {_name(tenant)}")
    for batch in batches:
        mine = members.get(batch.id, [])
        total = sum(payout.amount for payout in mine)
        if (batch.total_amount, batch.payout_count) != (total, len(mine)):
            report.add(Finding.BATCH, f"batch {batch.id}: total {batch.total_amount} of {batch.payout_count} "
                                      f"payout(s) but its payouts make {total} of {len(mine)}")
        allowed = BATCH_HOLDS.get(batch.status, frozenset())
        wrong = [payout for payout in mine if payout.status not in allowed]
        if wrong or not allowed:
            report.add(Finding.BATCH, f"batch {batch.id} is {batch.status} but holds "
                                      f"{', '.join(f'{p.id} {p.status}' for p in wrong) or 'an unknown status'}")
