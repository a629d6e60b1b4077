"""How much cashback an order earns at a level (BEHAVIOUR.md §6.2), as a pure function."""

from __future__ import annotations

from kohort.kit.money import percent_of

PERCENTAGE = "PERCENTAGE"
AMOUNT = "AMOUNT"
CENTS_PER_EURO = 100


def cashback_amount(*, discount_type: str, value: int, amount: int) -> int:
    """PERCENTAGE: `amount × value / 100` rounded half-up (12 370 at 5 % → 619). AMOUNT: `value` whole
    euros (5 → 500 cents), not capped at the order amount, as in the original. A value of 0 earns 0."""
    if value <= 0:
        return 0
    if discount_type == PERCENTAGE:
        return percent_of(amount, value)
    if discount_type == AMOUNT:
        return value * CENTS_PER_EURO
    raise ValueError(f"unknown discount type {discount_type!r}")
