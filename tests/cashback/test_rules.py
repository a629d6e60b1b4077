"""Cashback and fee arithmetic: integer cents, half-up at the .5 boundaries (the original's Math.round)."""

import pytest

from kohort.cashback.fees import application_fee
from kohort.cashback.rules import cashback_amount


@pytest.mark.parametrize(
    ("amount", "percent", "expected"),
    [
        (12_370, 5, 619),  # 618.5 → 619 (Python's round() gives 618)
        (35_000, 10, 3_500),
        (10, 5, 1),  # 0.5 → 1
        (9, 5, 0),  # 0.45 → 0
        (30, 5, 2),  # 1.5 → 2
        (50, 5, 3),  # 2.5 → 3 (banker's rounding would give 2)
        (10, 15, 2),  # 1.5 → 2
        (1, 100, 1),
        (12_345, 0, 0),
    ],
)
def test_percentage_cashback_rounds_half_up(amount: int, percent: int, expected: int) -> None:
    assert cashback_amount(discount_type="PERCENTAGE", value=percent, amount=amount) == expected


def test_amount_cashback_is_whole_euros_and_not_capped() -> None:
    assert cashback_amount(discount_type="AMOUNT", value=5, amount=10_000) == 500
    assert cashback_amount(discount_type="AMOUNT", value=5, amount=300) == 500
    assert cashback_amount(discount_type="AMOUNT", value=0, amount=300) == 0


def test_an_unknown_discount_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown discount type"):
        cashback_amount(discount_type="POINTS", value=5, amount=100)


@pytest.mark.parametrize(
    ("amount", "basis_points", "expected"),
    [
        (35_000, 1000, 4_200),  # 3 500 + 700
        (5, 1000, 1),  # fee 0.5 → 1, VAT 0.2 → 0
        (4, 1000, 0),  # fee 0.4 → 0
        (25, 1000, 4),  # fee 2.5 → 3, VAT 0.6 → 1
        (15, 1000, 2),  # fee 1.5 → 2, VAT 0.4 → 0
        (12_370, 1250, 1_855),  # 12.50 %: fee 1 546.25 → 1 546, VAT 309.2 → 309
        (100, 1250, 16),  # fee 12.5 → 13, VAT 2.6 → 3 (two decimals of percent, no float)
        (1_000, 1, 0),  # 0.01 %: fee 0.1 → 0
        (5_000, 1, 1),  # 0.01 %: fee 0.5 → 1, VAT 0.2 → 0
        (35_000, 0, 0),
    ],
)
def test_application_fee_is_fee_plus_vat_each_rounded_half_up(amount: int, basis_points: int, expected: int) -> None:
    assert application_fee(amount, fee_basis_points=basis_points) == expected
