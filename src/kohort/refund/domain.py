"""Refunds as the rest of the code sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kohort.models import RefundStage, refunds
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant


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
