"""The one-command setup: an app that owns its database runs the job runner in its lifespan, so a full
group settles with nothing but the server running."""

from __future__ import annotations

import asyncio
import time

import httpx

from kohort.app import create_app
from kohort.config import Settings
from kohort.db import Database
from tests.factories.merchant import create_merchant
from tests.factories.referral_group import group_with_orders, set_settings


async def test_the_server_settles_a_full_group_by_itself(database: Database) -> None:
    app = create_app(Settings(database_url=database.url, worker_poll_interval=0.05))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kohort.test") as client,
    ):
        merchant = await create_merchant(app.state.runtime.database, client)
        await set_settings(merchant, maxParticipants=2)
        group_id, _ = await group_with_orders(merchant, [10_000, 10_000])

        deadline = time.monotonic() + 30
        while (await merchant.get(f"/groups/{group_id}")).json()["status"] == "OPEN":
            assert time.monotonic() < deadline, "the embedded runner never settled the full group"
            await asyncio.sleep(0.05)
        assert (await merchant.get(f"/groups/{group_id}")).json()["status"] == "COMPLETED"
