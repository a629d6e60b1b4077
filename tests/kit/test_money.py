"""kit.money: the one rounding rule (half-up, like JavaScript's Math.round for positives)."""

from decimal import Decimal

import pytest

from kohort.kit.money import cents_from_number, percent_of, round_half_up


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("2.4999", 2), ("618.5", 619), ("0.49", 0), ("10", 10)],
)
def test_round_half_up_rounds_halves_up(value: str, expected: int) -> None:
    # Python's round() is banker's rounding: round(2.5) == 2. The original used Math.round.
    assert round_half_up(Decimal(value)) == expected


def test_percent_of_rounds_the_half_cent_up() -> None:
    assert percent_of(12_370, 5) == 619  # 618.5 → 619
    assert percent_of(10_000, 5) == 500
    assert percent_of(1, 50) == 1  # 0.5 → 1
    assert percent_of(3, 10) == 0  # 0.3 → 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3000, 3000), (3000.0, 3000), ("3000", 3000), (1998.9999999999998, 1999), ("12.5", 13), (Decimal("7.49"), 7)],
)
def test_cents_from_what_plugins_send(value: object, expected: int) -> None:
    assert cents_from_number(value) == expected  # type: ignore[arg-type]
