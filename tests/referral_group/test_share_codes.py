"""Share codes: new ones carry 40 bits; codes handed out before (8 hex digits) keep working everywhere."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import update

from kohort.db import Database
from kohort.models import orders, payment_groups
from tests.factories.group import join
from tests.factories.merchant import Merchant, unique_email

NEW_CODE = re.compile(r"KHT-test-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{8}")


async def _give_old_style_code(database: Database, group_id: str) -> str:
    """Rewrites a group's code to the former shape, as if drawn before the alphabet changed."""
    code = f"KHT-test-{secrets.token_hex(4).upper()}"
    async with database.transaction() as connection:
        await connection.execute(
            update(payment_groups).where(payment_groups.c.id == group_id).values(share_id=code, share_key=code.upper())
        )
        await connection.execute(
            update(orders).where(orders.c.payment_group_id == group_id).values(payment_group_share_id=code)
        )
    return code


async def test_new_groups_get_codes_from_the_40_bit_alphabet(merchant: Merchant) -> None:
    codes = [(await merchant.order())["paymentGroupShareId"] for _ in range(5)]
    assert all(NEW_CODE.fullmatch(code) for code in codes), codes
    for code in codes:
        response = await merchant.post(f"/groups/{code.lower()}/validate", json={}, key="pk_test")
        assert response.status_code == 200
        assert response.json()["shareId"] == code


async def test_old_hex_codes_still_validate_join_and_show(database: Database, merchant: Merchant) -> None:
    owner = await merchant.order()
    code = await _give_old_style_code(database, owner["paymentGroupId"])

    for reference in (code, code.lower(), code.replace("KHT-", "KHTPAY-")):
        response = await merchant.post(
            f"/groups/{reference}/validate", json={"customerEmail": unique_email()}, key="pk_test"
        )
        assert response.status_code == 200, response.text
        assert response.json()["id"] == owner["paymentGroupId"]
    assert (await merchant.get(f"/groups/{code}")).json()["id"] == owner["paymentGroupId"]
    assert (await merchant.client.get(f"/en_US/pg/{code}")).status_code == 200

    joined = await join(merchant, code)
    assert joined["paymentGroupId"] == owner["paymentGroupId"]
    assert joined["paymentGroupShareId"] == code
