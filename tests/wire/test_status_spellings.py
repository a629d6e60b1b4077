"""The wire documents each status as an inline list of strings (the OpenAPI document has always shown
them so); the domain spells them once, as StrEnums. These lists must be the same."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, get_args

import pytest

from kohort.models import BatchStatus, GroupStatus, OrderStatus, PayoutStatus
from kohort.order import schemas as order_schemas
from kohort.organization import schemas as organization_schemas
from kohort.organization.ladder import DiscountType
from kohort.payout import schemas as payout_schemas
from kohort.referral_group import schemas as group_schemas


@pytest.mark.parametrize(
    ("wire", "domain"),
    [
        (order_schemas.OrderStatus, OrderStatus),
        (group_schemas.GroupStatus, GroupStatus),
        (payout_schemas.PayoutStatus, PayoutStatus),
        (payout_schemas.BatchStatus, BatchStatus),
        (organization_schemas.DiscountType, DiscountType),
    ],
)
def test_the_wire_lists_exactly_the_domain_values_in_order(wire: Any, domain: type[StrEnum]) -> None:
    assert get_args(wire) == tuple(member.value for member in domain)
