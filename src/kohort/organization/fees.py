"""The platform's acquisition fee on an order that joined someone else's group (BEHAVIOUR.md §7.1)."""

from __future__ import annotations

from decimal import Decimal

from kohort.kit.money import percent_of

# French VAT on the fee.
VAT_PERCENT = 20
BASIS_POINTS_PER_PERCENT = 100


def application_fee(amount: int, *, fee_basis_points: int) -> int:
    """Fee (basis points of the amount, half-up) plus 20 % VAT on that fee (half-up), in cents.
    35 000 at 1000 bp (10.00 %) → 3 500 + 700 = 4 200. Exact decimals: the original used floats (§13 #25)."""
    fee = percent_of(amount, Decimal(fee_basis_points) / BASIS_POINTS_PER_PERCENT)
    return fee + percent_of(fee, VAT_PERCENT)
