"""A revoked or rolled key is refused by every server process on its very next request: two real
`kohort serve` processes on the backend under test, each having just authenticated the key."""

from __future__ import annotations

from pathlib import Path

import httpx

from kohort.db import Database
from tests.factories.merchant import Merchant
from tests.factories.server import running_server


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_revoked_and_rolled_keys_are_refused_by_every_process(database: Database, merchant: Merchant,
                                                                  tmp_path: Path) -> None:
    env = {"KOHORT_DATABASE_URL": database.url}
    spare = (await merchant.post("/api-keys")).json()["secret"]
    async with (
        running_server(env, embedded_worker=False, log_path=tmp_path / "one.log") as first,
        running_server(env, embedded_worker=False, log_path=tmp_path / "two.log") as second,
        httpx.AsyncClient(timeout=60) as client,
    ):
        async def status(base_url: str, key: str) -> int:
            return (await client.get(f"{base_url}/payment-group-settings", headers=bearer(key))).status_code

        victim = merchant.keys["sk_test"]
        for _ in range(3):  # both processes have just served this key
            assert [await status(first, victim), await status(second, victim)] == [200, 200]
        listed = (await client.get(f"{first}/api-keys", headers=bearer(spare))).json()["data"]
        victim_id = next(item["id"] for item in listed if item["last4"] == victim[-4:])
        revoked = await client.post(f"{first}/api-keys/{victim_id}/revoke", headers=bearer(spare))
        assert revoked.status_code == 200, revoked.text
        assert await status(second, victim) == 401
        assert await status(first, victim) == 401

        assert [await status(first, spare), await status(second, spare)] == [200, 200]
        spare_id = next(item["id"] for item in listed if item["last4"] == spare[-4:])
        rolled = await client.post(f"{second}/api-keys/{spare_id}/roll", headers=bearer(spare))
        assert rolled.status_code == 201, rolled.text
        assert await status(first, spare) == 401
        assert await status(second, spare) == 401
        replacement = rolled.json()["secret"]
        assert [await status(first, replacement), await status(second, replacement)] == [200, 200]
