"""Refunds as the rest of the code sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from kohort.models import refunds
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant


class RefundStage(StrEnum):
    """Where the order's group stood when the refund came, which decides what it changes (issue 10)."""

    # No cashback at stake: no group, or one that was canceled or expired.
    NO_CASHBACK = "no_cashback"
    # The group is open: the order counts on its net amount, or not at all once refunded in full.
    BEFORE_END = "before_end"
    # The group completed and its cashback is held: every member's level and cashback are recomputed.
    DURING_HOLD = "during_hold"
    # The cashback was released: only the refunding shopper's own cashback changes.
    AFTER_HOLD = "after_hold"


@dataclass(frozen=True, slots=True)
class Refund:
    id: str
    organization_id: str
    livemode: bool
    order_id: str
    amount: int
    reason: str | None
    client_reference_id: str | None
    stage: RefundStage
    created_at: datetime
    created_by: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Refund:
        values = list(row)
        values[7] = RefundStage(values[7])
        return cls(*values)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)


check_row_shape(refunds, Refund)
