"""One Idempotency-Key sent 50 times at once to several server processes on PostgreSQL: one order, and
every other answer is the first one replayed or a 409 (the claim is a conditional insert, committed
before the request runs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from kohort.db import Database
from kohort.models import orders
from tests.factories.merchant import Merchant, unique_email
from tests.factories.server import running_server

RETRIES = 50


@pytest.mark.usefixtures("postgres_only")
async def test_fifty_concurrent_retries_make_one_order(database: Database, merchant: Merchant,
                                                       tmp_path: Path) -> None:
    env = {"KOHORT_DATABASE_URL": database.url}
    body = {"amount": 4200, "customerEmail": unique_email(), "customerFirstName": "Ann", "customerLastName": "Lee"}
    headers = {**merchant.headers(), "Idempotency-Key": "hook-fired-twice"}
    async with (
        running_server(env, workers=2, embedded_worker=False, log_path=tmp_path / "one.log") as first_url,
        running_server(env, workers=2, embedded_worker=False, log_path=tmp_path / "two.log") as second_url,
        httpx.AsyncClient(timeout=60) as client,
    ):
        urls = (first_url, second_url)
        responses = await asyncio.gather(*(
            client.post(f"{urls[index % 2]}/orders", json=body, headers=headers) for index in range(RETRIES)
        ))

    statuses = sorted(response.status_code for response in responses)
    created = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    replayed = [r for r in responses if r.status_code == 201 and r.headers.get("idempotent-replayed") == "true"]
    busy = [r for r in responses if r.status_code == 409]
    assert len(created) == 1, statuses
    assert len(created) + len(replayed) + len(busy) == RETRIES, statuses
    assert all(r.content == created[0].content for r in replayed)
    assert all(r.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE" for r in busy)
    async with database.transaction() as connection:
        count = (await connection.execute(
            select(func.count()).select_from(orders).where(orders.c.organization_id == merchant.id))).scalar_one()
    assert count == 1
    # Once the first has finished, a retry is always a replay.
    late = await merchant.post("/orders", json=body, headers={"Idempotency-Key": "hook-fired-twice"})
    assert late.status_code == 201
    assert late.headers["idempotent-replayed"] == "true"
    assert late.content == created[0].content
