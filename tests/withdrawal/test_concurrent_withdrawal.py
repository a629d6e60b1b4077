"""Simultaneous submissions of one withdrawal, through two real server processes on PostgreSQL: exactly
one payout, whatever the interleaving (the token is consumed by a conditional write)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.models import payouts
from kohort.runtime import Runtime
from tests.factories.merchant import Merchant
from tests.factories.referral_group import books
from tests.factories.server import running_server
from tests.factories.withdrawal import GOOD_IBAN, settled_group

SUBMISSIONS = 12


@pytest.mark.usefixtures("postgres_only")
async def test_a_double_submitted_withdrawal_makes_one_payout(
    database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender, tmp_path: Path
) -> None:
    placed = await settled_group(runtime, merchant, outbox, [3000, 8000])
    link = placed[0]["link"]
    env = {"KOHORT_DATABASE_URL": database.url}
    # No embedded runner: this server must not take the test's email jobs.
    async with (
        running_server(env, workers=2, embedded_worker=False, log_path=tmp_path / "server.log") as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30) as client,
    ):
        form = {"token": link.token, "iban": GOOD_IBAN, "holderName": "Ann Lee"}
        body = {"orderId": link.order_id, **form}
        requests = [
            client.post(f"/w/{link.order_id}", data=form) if index % 2 else client.post("/withdrawals", json=body)
            for index in range(SUBMISSIONS)
        ]
        responses = await asyncio.gather(*requests)

    statuses = sorted(response.status_code for response in responses)
    assert all(response.status_code < 500 for response in responses), statuses
    json_created = [r for r in responses if r.request.url.path == "/withdrawals" and r.status_code == 201]
    form_done = [r for r in responses if r.request.url.path != "/withdrawals" and r.status_code == 303]
    # Every form submission redirects to the status page (the winner and the double submits alike), so
    # count payouts in the database: exactly one.
    async with database.transaction() as connection:
        count = (await connection.execute(
            select(func.count()).select_from(payouts).where(payouts.c.order_id == link.order_id))).scalar_one()
    assert count == 1
    assert len(json_created) <= 1
    assert len(form_done) == SUBMISSIONS // 2
    assert all(r.status_code == 409 for r in responses if r.request.url.path == "/withdrawals" and r not in json_created)
    assert (await merchant.get(f"/orders/{link.order_id}")).json()["status"] == "CASHBACK_PROCESSING"
    assert (await books(database, merchant))["cashback_in_transit"] == -300
