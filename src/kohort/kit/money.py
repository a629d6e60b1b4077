"""Money is integer cents. Rounding lives here and only here: half-up, like the original's Math.round."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kohort.kit.numbers import bounded_decimal


def round_half_up(value: Decimal) -> int:
    """Round to the nearest integer, halves away towards +inf for positives (JavaScript Math.round)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def percent_of(amount_cents: int, percent: Decimal | int) -> int:
    """`amount × percent / 100`, rounded half-up to the cent. 12 370 at 5 % → 619."""
    return round_half_up(Decimal(amount_cents) * Decimal(percent) / Decimal(100))


def cents_from_number(value: int | float | str | Decimal) -> int:
    """Integer cents from what shop plugins send: 3000, 3000.0, "3000", or 1998.9999999999998 (Magento).

    Raises `kit.numbers.NumberTooLarge` for a number too long or too large to be an amount (checked
    before rounding: rounding "1e400000" would take seconds) and `ValueError` for anything else."""
    return round_half_up(bounded_decimal(value))
