"""kit.casing: camelCase ↔ snake_case exactly as the original emitted it."""

import pytest

from kohort.kit.casing import snake_keys, to_camel, to_snake


@pytest.mark.parametrize(
    ("camel", "snake"),
    [
        ("jMinus2ExpireAt", "j_minus2_expire_at"),
        ("jPlus3StartAt", "j_plus3_start_at"),
        ("addressLine1", "address_line1"),
        ("paymentGroupShareId", "payment_group_share_id"),
        ("id", "id"),
        ("amountCashback", "amount_cashback"),
    ],
)
def test_to_snake_splits_before_capitals_only(camel: str, snake: str) -> None:
    assert to_snake(camel) == snake


@pytest.mark.parametrize(
    ("snake", "camel"),
    [("customer_first_name", "customerFirstName"), ("j_minus2_expire_at", "jMinus2ExpireAt"), ("id", "id")],
)
def test_to_camel(snake: str, camel: str) -> None:
    assert to_camel(snake) == camel


def test_snake_keys_recurses_but_leaves_metadata_untouched() -> None:
    body = {
        "data": [{"customerId": "cus_1", "metadata": {"basketId": "X", "nested_Key": "y"}}],
        "currentDiscountLevel": {"participantsToUnlock": 2},
    }
    assert snake_keys(body) == {
        "data": [{"customer_id": "cus_1", "metadata": {"basketId": "X", "nested_Key": "y"}}],
        "current_discount_level": {"participants_to_unlock": 2},
    }
