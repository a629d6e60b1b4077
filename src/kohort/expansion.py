"""`expand[]` for the documented relations only, loaded in one query per relation (never per row).

Unknown names are ignored, as installed clients expect; nothing beyond the listed relations can be
reached (the original let `organization.api_keys` through)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.customer import service as customer_service
from kohort.organization import service as organization_service
from kohort.referral_group import service as group_service
from kohort.referral_group.schemas import GroupSettingsCopy, PaymentGroup
from kohort.tenant import Tenant
from kohort.wire import dump

ORDER_EXPANSIONS = frozenset({"customer", "paymentGroup", "organization"})
GROUP_EXPANSIONS = frozenset({"customer", "paymentGroupSettings", "organization"})


async def _customers(connection: AsyncConnection, tenant: Tenant, rows: Sequence[RowMapping]) -> dict[str, Any]:
    found = await customer_service.get_customers(connection, tenant, {row["customer_id"] for row in rows})
    return {customer_id: dump(customer_service.to_customer(row)) for customer_id, row in found.items()}


async def expand_orders(
    connection: AsyncConnection, tenant: Tenant, rows: Sequence[RowMapping], payloads: list[dict[str, Any]],
    expand: frozenset[str],
) -> list[dict[str, Any]]:
    wanted = expand & ORDER_EXPANSIONS
    if "customer" in wanted:
        customers = await _customers(connection, tenant, rows)
        for row, payload in zip(rows, payloads, strict=True):
            payload["customer"] = customers.get(row["customer_id"])
    if "paymentGroup" in wanted:
        groups = await group_service.get_groups(
            connection, tenant, {row["payment_group_id"] for row in rows if row["payment_group_id"]}
        )
        for row, payload in zip(rows, payloads, strict=True):
            group = groups.get(row["payment_group_id"])
            payload["paymentGroup"] = dump(PaymentGroup.model_validate(dict(group))) if group else None
    if "organization" in wanted:
        summary = await organization_service.organization_summary(connection, tenant)
        for payload in payloads:
            payload["organization"] = summary
    return payloads


async def expand_groups(
    connection: AsyncConnection, tenant: Tenant, rows: Sequence[RowMapping], payloads: list[dict[str, Any]],
    expand: frozenset[str],
) -> list[dict[str, Any]]:
    # The settings copy always carries its levels, so the documented nested path means the same.
    wanted = {"paymentGroupSettings" if item == "paymentGroupSettings.discountLevels" else item for item in expand}
    wanted &= GROUP_EXPANSIONS
    if "customer" in wanted:
        customers = await _customers(connection, tenant, rows)
        for row, payload in zip(rows, payloads, strict=True):
            payload["customer"] = customers.get(row["customer_id"])
    if "paymentGroupSettings" in wanted:
        for row, payload in zip(rows, payloads, strict=True):
            payload["paymentGroupSettings"] = dump(GroupSettingsCopy.from_group(row))
    if "organization" in wanted:
        summary = await organization_service.organization_summary(connection, tenant)
        for payload in payloads:
            payload["organization"] = summary
    return payloads
