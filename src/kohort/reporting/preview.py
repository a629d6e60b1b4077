"""The ladder editor's cost preview: for an average basket and a distribution of final group sizes, what
the cashback costs as a share of the revenue the referrals brought, level by level, beside the fee.

In a completed group of n orders of the average basket b, every order earns the cashback of the level n
reached, so the cashback is n × cashback(b); the referred revenue is the joiners', (n − 1) × b. A level's
cost share is the ratio of those sums over the sizes that end on that level, weighted by how often each
size happens. The fee is the acquisition fee plus VAT on each referred order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kohort.kit.money import percent_of
from kohort.organization.ladder import DiscountLevel, Ladder

# When a merchant has no completed group yet: most groups end with one or two friends.
TYPICAL_SIZES: tuple[tuple[int, int], ...] = ((2, 55), (3, 25), (4, 12), (5, 5), (6, 3))
TYPICAL_BASKET = 5000
VAT_PERCENT = 20


@dataclass(frozen=True, slots=True)
class LevelCost:
    level: DiscountLevel
    # Of the groups that complete, the share (‰) ending on this level.
    groups_per_mille: int
    # Cashback ÷ referred revenue for the groups ending on this level, in basis points (1 % = 100).
    cost_basis_points: int | None


@dataclass(frozen=True, slots=True)
class CostPreview:
    basket: int  # cents
    observed: bool  # the merchant's own history, or the typical distribution
    levels: tuple[LevelCost, ...]
    overall_basis_points: int | None  # every level together
    fee_basis_points: int  # acquisition fee with its VAT, per referred euro


def _ratio_basis_points(cost: Decimal, revenue: Decimal) -> int | None:
    return int((cost * 10_000 / revenue).to_integral_value()) if revenue else None


def cost_preview(ladder: Ladder, *, basket: int, sizes: Sequence[tuple[int, int]], observed: bool,
                 acquisition_fee_basis_points: int, max_participants: int) -> CostPreview:
    completed = [(min(size, max_participants), count) for size, count in sizes if size >= 2 and count > 0]
    total_groups = sum(count for _size, count in completed)
    costs: dict[int, Decimal] = {}
    revenues: dict[int, Decimal] = {}
    groups: dict[int, int] = {}
    for size, count in completed:
        level = ladder.reached(size)
        if level is None:
            continue
        costs[level.level] = costs.get(level.level, Decimal(0)) + count * size * ladder.cashback(level, basket)
        revenues[level.level] = revenues.get(level.level, Decimal(0)) + count * (size - 1) * basket
        groups[level.level] = groups.get(level.level, 0) + count
    rows = []
    for level in ladder.levels:
        if level.level in revenues:
            cost, revenue = costs[level.level], revenues[level.level]
        else:  # no group ends on this level: the cost of a group that just reaches it
            cost = Decimal(level.participants_to_unlock * ladder.cashback(level, basket))
            revenue = Decimal((level.participants_to_unlock - 1) * basket)
        share = groups.get(level.level, 0) * 1000 // total_groups if total_groups else 0
        rows.append(LevelCost(level=level, groups_per_mille=share, cost_basis_points=_ratio_basis_points(cost, revenue)))
    fee = acquisition_fee_basis_points + percent_of(acquisition_fee_basis_points, VAT_PERCENT)
    return CostPreview(basket=basket, observed=observed, levels=tuple(rows),
                       overall_basis_points=_ratio_basis_points(sum(costs.values(), Decimal(0)),
                                                                sum(revenues.values(), Decimal(0))),
                       fee_basis_points=fee)
