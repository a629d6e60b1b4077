"""kit.numbers: a number's size is checked before it is converted, so no input can cost seconds."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from kohort.kit.numbers import (
    MAX_NUMBER_TEXT_LENGTH,
    NumberTooLarge,
    bounded_decimal,
    bounded_int,
    has_long_number_token,
)


@pytest.mark.parametrize(
    "value",
    [
        "1e400000",
        "-1e999999",
        "1E9999999",
        "9" * 10_000,
        "0." + "1" * 100,
        10**40,
        -(10**40),
        1e300,
        Decimal("1e400000"),
        "1e18",
        "-1e18",
    ],
)
def test_too_large_is_refused_before_conversion(value: object) -> None:
    started = time.perf_counter()
    with pytest.raises(NumberTooLarge):
        bounded_decimal(value)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "abc", "", float("nan"), float("inf"), True, None, [1]])
def test_not_a_finite_number_is_a_value_error(value: object) -> None:
    with pytest.raises(ValueError, match="not a"):
        bounded_decimal(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3000", Decimal(3000)),
        (" 12.5 ", Decimal("12.5")),
        (1998.9999999999998, Decimal("1998.9999999999998")),
        (999_999_999_999_999_999, Decimal(999_999_999_999_999_999)),
        ("1e-400000", Decimal("1e-400000")),
        ("0", Decimal(0)),
    ],
)
def test_sane_numbers_pass_unchanged(value: object, expected: Decimal) -> None:
    assert bounded_decimal(value) == expected  # type: ignore[arg-type]


def test_bounded_int() -> None:
    assert bounded_int("25") == 25
    assert bounded_int("-9223372036854775808") == -(2**63)
    with pytest.raises(NumberTooLarge):
        bounded_int("1" * 21)
    with pytest.raises(ValueError, match="invalid literal"):
        bounded_int("2.5")


def test_long_number_tokens_are_found_outside_strings_only() -> None:
    long_number = "1" * (MAX_NUMBER_TEXT_LENGTH + 1)
    assert has_long_number_token(f'{{"amount": {long_number}}}'.encode())
    assert has_long_number_token(f'{{"a": [1, -{long_number}]}}'.encode())
    assert has_long_number_token(b'{"a": 1.' + b"0" * 5000 + b"1}")
    # Digits inside strings (references, escaped quotes included) are text, not numbers.
    assert not has_long_number_token(f'{{"ref": "{long_number}", "b": "x\\"{long_number}"}}'.encode())
    assert not has_long_number_token(b'{"amount": 1998.9999999999998, "n": -12e5}')
