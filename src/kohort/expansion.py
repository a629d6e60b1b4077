"""`expand[]` for the documented relations only, loaded in one query per relation (never per row).

Unknown names are ignored, as installed clients expect; nothing beyond the listed relations can be
reached (the original let `organization.api_keys` through)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.cashback import service as cashback_service
from kohort.customer import service as customer_service
from kohort.customer.schemas import to_wire_customer
from kohort.http.rendering import dump
from kohort.order.domain import Order
from kohort.organization import service as organization_service
from kohort.referral_group import service as group_service
from kohort.referral_group.domain import ReferralGroup
from kohort.referral_group.schemas import GroupSettingsCopy, to_wire_group
from kohort.tenant import Tenant

ORDER_EXPANSIONS = frozenset({"customer", "paymentGroup", "organization"})
GROUP_EXPANSIONS = frozenset({"customer", "paymentGroupSettings", "organization"})


async def _customers(
    connection: AsyncConnection, tenant: Tenant, owners: Sequence[Order | ReferralGroup]
) -> dict[str, Any]:
    found = await customer_service.get_customers(connection, tenant, {owner.customer_id for owner in owners})
    # A soft-deleted customer is hidden: `customer` expands to null (the object keeps its customerId).
    shown = {customer_id: customer for customer_id, customer in found.items() if not customer.is_deleted}
    owed = await cashback_service.cashback_owed(connection, tenant, sorted(shown))
    return {customer_id: dump(to_wire_customer(customer, cashback_owed=owed[customer_id]))
            for customer_id, customer in shown.items()}


async def expand_orders(
    connection: AsyncConnection, tenant: Tenant, orders: Sequence[Order], payloads: list[dict[str, Any]],
    expand: frozenset[str],
) -> list[dict[str, Any]]:
    wanted = expand & ORDER_EXPANSIONS
    if "customer" in wanted:
        customers = await _customers(connection, tenant, orders)
        for order, payload in zip(orders, payloads, strict=True):
            payload["customer"] = customers.get(order.customer_id)
    if "paymentGroup" in wanted:
        groups = await group_service.get_groups(
            connection, tenant, {order.payment_group_id for order in orders if order.payment_group_id}
        )
        for order, payload in zip(orders, payloads, strict=True):
            group = groups.get(order.payment_group_id) if order.payment_group_id else None
            payload["paymentGroup"] = dump(to_wire_group(group)) if group else None
    if "organization" in wanted:
        summary = await organization_service.organization_summary(connection, tenant)
        for payload in payloads:
            payload["organization"] = summary
    return payloads


async def expand_groups(
    connection: AsyncConnection, tenant: Tenant, groups: Sequence[ReferralGroup], payloads: list[dict[str, Any]],
    expand: frozenset[str],
) -> list[dict[str, Any]]:
    # The settings copy always carries its levels, so the documented nested path means the same.
    wanted = {"paymentGroupSettings" if item == "paymentGroupSettings.discountLevels" else item for item in expand}
    wanted &= GROUP_EXPANSIONS
    if "customer" in wanted:
        customers = await _customers(connection, tenant, groups)
        for group, payload in zip(groups, payloads, strict=True):
            payload["customer"] = customers.get(group.customer_id)
    if "paymentGroupSettings" in wanted:
        for group, payload in zip(groups, payloads, strict=True):
            payload["paymentGroupSettings"] = dump(GroupSettingsCopy.from_group(group))
    if "organization" in wanted:
        summary = await organization_service.organization_summary(connection, tenant)
        for payload in payloads:
            payload["organization"] = summary
    return payloads
