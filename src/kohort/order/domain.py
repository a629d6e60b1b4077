"""The order as the rest of the code sees it: a frozen value built from its row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kohort.models import LineItemType, OrderStatus, orders
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant

# The status lives in models (below every service); re-exported here for pages, which never import models.
__all__ = ["LineItem", "LineItemType", "Order", "OrderStatus", "checkout_session_id", "checkout_session_share_id", "order_id_named_by",
           "order_id_of_session_share_id",
           "payment_intent_id"]

_COLUMNS = [column.name for column in orders.columns]
_STATUS = _COLUMNS.index("status")
_LINE_ITEMS = _COLUMNS.index("line_items")


@dataclass(frozen=True, slots=True)
class LineItem:
    """One line of the shop's order, as the plugin sent it. Informational: the order's `amount` is what
    the shop charged, whatever its lines add up to (as in the original)."""

    name: str
    description: str | None
    # Unit price in cents, negative for DISCOUNT, GIFT_CARD and STORE_CREDIT lines.
    price: int
    # A whole number, or a decimal one for goods sold by weight (Magento's decimal quantities).
    quantity: int | float
    type: LineItemType
    image_url: str | None
    # price × quantity in cents, rounded half-up.
    amount_total: int

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> LineItem:
        return cls(
            name=stored["name"], description=stored.get("description"), price=stored["price"],
            quantity=stored["quantity"], type=LineItemType(stored["type"]), image_url=stored.get("image_url"),
            amount_total=stored["amount_total"],
        )

    def to_stored(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "price": self.price, "quantity": self.quantity,
            "type": self.type.value, "image_url": self.image_url, "amount_total": self.amount_total,
        }


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
    amount_refunded: int
    # The fee rate the order joined with (None for a group's owner).
    application_fee_basis_points: int | None
    cashback_available_at: datetime | None
    line_items: tuple[LineItem, ...]
    success_url: str | None
    cancel_url: str | None
    # Part of the earned cashback that paid back what the shopper owed (`amount_cashback` is the rest).
    cashback_netted: int

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Order:
        """From a row of `select(orders)` (by position: the order path builds one per request)."""
        values = list(row)
        values[_STATUS] = OrderStatus(values[_STATUS])
        values[_LINE_ITEMS] = tuple(LineItem.from_stored(item) for item in values[_LINE_ITEMS] or ())
        return cls(*values)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)

    @property
    def net_amount(self) -> int:
        """What the shopper finally paid: the amount less its refunds. Levels, cashback and fees follow it."""
        return self.amount - self.amount_refunded

    @property
    def counts(self) -> bool:
        """Whether the order is a participant: a fully refunded order no longer counts in its group."""
        return self.net_amount > 0


check_row_shape(orders, Order)


_TAKES_MONEY_OFF = frozenset({LineItemType.DISCOUNT, LineItemType.GIFT_CARD, LineItemType.STORE_CREDIT})


def line_item_refusal(line_type: LineItemType, *, price: int, quantity: int | float) -> str | None:
    """The original's rules for a line (BEHAVIOUR.md §1.13): only products come in quantities; discounts,
    gift cards and store credit are negative; products and shipping are not. None when the line is fine."""
    if line_type != LineItemType.PRODUCT and quantity != 1:
        return f"a {line_type} line must have quantity 1"
    if line_type in _TAKES_MONEY_OFF and price >= 0:
        return f"a {line_type} line must have a negative price"
    if line_type not in _TAKES_MONEY_OFF and price < 0:
        return f"a {line_type} line must not have a negative price"
    return None


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


def order_id_of_session_share_id(share_id: str) -> tuple[str, bool] | None:
    """The order id and mode behind a session's public id (`cs_test_…`/`cs_live_…`), None otherwise."""
    for livemode, prefix in enumerate(_SESSION_SHARE_PREFIXES):
        if share_id.startswith(prefix) and len(share_id) > len(prefix):
            return ORDER_PREFIX + share_id[len(prefix) :], bool(livemode)
    return None


def order_id_named_by(reference: str) -> str | None:
    """The order id behind an `ord_`, `pi_`, `cs_`, `cs_test_` or `cs_live_` id; None for anything else
    (a shop's own order number, looked up as a client reference instead)."""
    for prefix in (*_SESSION_SHARE_PREFIXES, PAYMENT_INTENT_PREFIX, CHECKOUT_SESSION_PREFIX, ORDER_PREFIX):
        if reference.startswith(prefix) and len(reference) > len(prefix):
            return ORDER_PREFIX + reference[len(prefix) :]
    return None
