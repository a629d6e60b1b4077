"""The order as the rest of the code sees it: a frozen value built from its row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kohort.models import OrderStatus, orders
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant

# The status lives in models (below every service); re-exported here for pages, which never import models.
__all__ = ["Order", "OrderStatus", "checkout_session_id", "checkout_session_share_id", "order_id_named_by",
           "payment_intent_id"]

_STATUS = [column.name for column in orders.columns].index("status")


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    organization_id: str
    livemode: bool
    amount: int
    amount_cashback: int | None
    application_fee_amount: int
    customer_email: str | None
    customer_first_name: str | None
    customer_last_name: str | None
    customer_phone_number: str | None
    payment_group_share_id: str | None
    customer_id: str
    currency: str
    locale: str
    status: OrderStatus
    metadata: dict[str, str] | None
    payment_group_id: str | None
    ambassador_id: str | None
    client_reference_id: str | None
    risk_level: str
    # SHA-256 of the current withdrawal token; never leaves the server.
    withdrawal_token_hash: str | None
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Order:
        """From a row of `select(orders)` (by position: the order path builds one per request)."""
        values = list(row)
        values[_STATUS] = OrderStatus(values[_STATUS])
        return cls(*values)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)


check_row_shape(orders, Order)


# The original's deprecated checkout sessions (`cs_`) and payment intents (`pi_`) are views of orders
# here: one of each per order, their ids derived from the order's, so no second record can drift.
ORDER_PREFIX = "ord_"
PAYMENT_INTENT_PREFIX = "pi_"
CHECKOUT_SESSION_PREFIX = "cs_"
_SESSION_SHARE_PREFIXES = ("cs_test_", "cs_live_")


def payment_intent_id(order_id: str) -> str:
    return PAYMENT_INTENT_PREFIX + order_id.removeprefix(ORDER_PREFIX)


def checkout_session_id(order_id: str) -> str:
    return CHECKOUT_SESSION_PREFIX + order_id.removeprefix(ORDER_PREFIX)


def checkout_session_share_id(order_id: str, *, livemode: bool) -> str:
    """The session's public id (`cs_live_…`/`cs_test_…`), the last segment of its `url`."""
    return _SESSION_SHARE_PREFIXES[livemode] + order_id.removeprefix(ORDER_PREFIX)


def order_id_named_by(reference: str) -> str | None:
    """The order id behind an `ord_`, `pi_`, `cs_`, `cs_test_` or `cs_live_` id; None for anything else
    (a shop's own order number, looked up as a client reference instead)."""
    for prefix in (*_SESSION_SHARE_PREFIXES, PAYMENT_INTENT_PREFIX, CHECKOUT_SESSION_PREFIX, ORDER_PREFIX):
        if reference.startswith(prefix) and len(reference) > len(prefix):
            return ORDER_PREFIX + reference[len(prefix) :]
    return None
