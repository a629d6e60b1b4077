"""Groups for tests: a group with N orders, settings ladders, and what the database holds about them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from kohort.db import Database
from kohort.ledger import audit
from kohort.ledger import service as ledger
from kohort.models import orders, organizations
from kohort.tenant import Tenant
from tests.factories.merchant import Merchant


async def set_settings(merchant: Merchant, **settings: Any) -> None:
    response = await merchant.patch("/payment-group-settings", json=settings)
    assert response.status_code == 200, response.text


async def group_with_orders(merchant: Merchant, amounts: list[int]) -> tuple[str, list[dict[str, Any]]]:
    """The first amount opens a group, the others join it in order. Returns (group id, orders)."""
    owner = await merchant.order(amount=amounts[0])
    placed = [owner]
    for amount in amounts[1:]:
        placed.append(await merchant.order(amount=amount, share_code=owner["paymentGroupShareId"]))
    return owner["paymentGroupId"], placed


async def end_now(merchant: Merchant, group_id: str) -> dict[str, Any]:
    response = await merchant.post(f"/test-helpers/groups/{group_id}/end")
    assert response.status_code == 200, response.text
    return response.json()


async def order_rows(database: Database, order_ids: list[str]) -> list[Any]:
    """The orders as stored (token hash included), in the given order."""
    async with database.transaction() as connection:
        rows = {row["id"]: row for row in (await connection.execute(
            select(orders).where(orders.c.id.in_(order_ids)))).mappings()}
    return [rows[order_id] for order_id in order_ids]


async def set_fee_rate(database: Database, merchant: Merchant, basis_points: int) -> None:
    async with database.transaction() as connection:
        await connection.execute(update(organizations).where(organizations.c.id == merchant.id)
                                 .values(acquisition_fee_basis_points=basis_points))


async def books(database: Database, merchant: Merchant, *, livemode: bool = False) -> dict[str, int]:
    """The merchant's ledger balances in a mode, after asserting the audit finds nothing wrong."""
    async with database.transaction() as connection:
        assert await audit.violations(connection, organization_id=merchant.id) == []
        return await ledger.balances(connection, Tenant(merchant.id, livemode))


async def owed_to(database: Database, merchant: Merchant, order_id: str) -> int:
    """What the ledger says the merchant owes the shopper of this order (liability, as a positive number)."""
    async with database.transaction() as connection:
        return -await ledger.balance(connection, Tenant(merchant.id, False), "cashback_liability", order_id=order_id)
