"""How much cashback an order earns at a level (BEHAVIOUR.md §6.2): the rule lives in the ladder."""

from __future__ import annotations

from kohort.organization.ladder import CENTS_PER_EURO, DiscountType, cashback_amount

PERCENTAGE = DiscountType.PERCENTAGE
AMOUNT = DiscountType.AMOUNT

__all__ = ["AMOUNT", "CENTS_PER_EURO", "PERCENTAGE", "cashback_amount"]
