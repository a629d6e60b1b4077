"""`kohort keys rotate-encryption`, end to end on a database of its own: every stored secret (shoppers' IBANs,
batch files, queued emails, webhook secrets) moves to the new key, an interrupted rotation resumes, and afterwards
only the new key reads the data or starts a process."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kohort.app import create_app
from kohort.config import Settings
from kohort.db import Database
from kohort.email.outbox import JOB_KIND
from kohort.email.sender import MemorySender
from kohort.keyring import service as keyring
from kohort.keyring.domain import KeyMismatch
from kohort.kit.crypto import Cipher, DecryptionError, Rotation, new_key
from kohort.models import jobs, payout_batches, payouts, webhook_endpoints
from kohort.payout import service as payout_service
from kohort.runtime import Runtime, build_runtime, secure_at_rest, session_scope
from tests.factories.merchant import Merchant, create_merchant
from tests.factories.server import KOHORT, ROOT
from tests.factories.withdrawal import GOOD_IBAN, settled_group
from tests.withdrawal.test_withdrawal import withdraw


@asynccontextmanager
async def serving(database: Database, key: str,
                  sender: MemorySender | None = None) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    sender = sender or MemorySender()
    runtime = build_runtime(Settings(database_url=database.url, encryption_key=key, rate_limits_enabled=False),
                            database=database, sender=sender)
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kohort.test") as client:
        yield runtime, client


async def stored_secrets(database: Database) -> list[tuple[str, str]]:
    """Every encrypted value in the database, with its associated data."""
    found: list[tuple[str, str]] = []
    async with database.transaction() as connection:
        for row in (await connection.execute(select(payouts.c.id, payouts.c.iban_encrypted)
                                             .where(payouts.c.iban_encrypted.is_not(None)))).all():
            found.append((row.iban_encrypted, f"payout:{row.id}"))
        for row in (await connection.execute(select(payout_batches.c.id, payout_batches.c.document))).all():
            found.append((row.document, f"payout-batch:{row.id}"))
        for row in (await connection.execute(select(jobs.c.payload).where(jobs.c.kind == JOB_KIND))).all():
            payload: dict[str, Any] = row.payload
            found.append((payload["sealed"], payload["dedupe"]))
        for row in (await connection.execute(select(webhook_endpoints))).mappings().all():
            found.append((row["secret_encrypted"], f"webhook_endpoint:{row['id']}"))
            if row["previous_secret_encrypted"]:
                found.append((row["previous_secret_encrypted"], f"webhook_endpoint:{row['id']}"))
    return found


def rotate(url: str, current: str, new: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KOHORT_DATABASE_URL": url, "KOHORT_ENCRYPTION_KEY": current, "KOHORT_NEW_KEY": new}
    return subprocess.run([str(KOHORT), "keys", "rotate-encryption", "--new-key-env", "KOHORT_NEW_KEY"], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=180, check=False)


async def test_every_secret_moves_to_the_new_key_and_an_interrupted_rotation_resumes(fresh_url: str) -> None:
    key_a, key_b = new_key(), new_key()
    cipher_a, cipher_b = Cipher(key_a), Cipher(key_b)
    database = Database(fresh_url, pool_size=5)
    try:
        outbox = MemorySender()
        async with serving(database, key_a, outbox) as (runtime_a, client):
            await secure_at_rest(runtime_a)  # as `kohort serve` does: key A becomes the database's
            merchant: Merchant = await create_merchant(database, client)
            placed = await settled_group(runtime_a, merchant, outbox, [3000, 8000, 5000])
            assert (await withdraw(merchant, placed[0]["link"])).status_code == 201
            batch = (await merchant.post("/payout-batches")).json()
            original_file = (await merchant.get(f"/payout-batches/{batch['id']}/file")).text
            assert (await withdraw(merchant, placed[1]["link"])).status_code == 201  # pending: its IBAN stays stored
            hook = (await merchant.post("/webhook-endpoints", json={"url": "https://shop.example/hooks"})).json()
            assert (await merchant.post(f"/webhook-endpoints/{hook['id']}/rotate-secret")).status_code == 200
        before = await stored_secrets(database)
        assert {"payout", "payout-batch", "email", "webhook_endpoint"} == {data.split(":")[0] for _, data in before}

        # Interrupted after the first store: the IBANs are under B already, the rest under A.
        async with session_scope(runtime_a) as connection:
            await keyring.begin_rotation(connection, cipher_a.fingerprint, cipher_b.fingerprint)
        async with session_scope(runtime_a) as connection:
            await payout_service.reencrypt_ibans(connection, Rotation(cipher_a, cipher_b), "")
        async with serving(database, key_b) as (runtime_b, _):
            with pytest.raises(KeyMismatch, match="did not finish"):
                await secure_at_rest(runtime_b)
        unfinished = rotate(fresh_url, key_a, new_key())  # to a third key: refused, B's values would be lost
        assert unfinished.returncode == 1
        assert "did not finish" in unfinished.stderr

        rotated = rotate(fresh_url, key_a, key_b)
        assert rotated.returncode == 0, rotated.stdout + rotated.stderr
        assert "encryption key rotated" in rotated.stdout
        assert cipher_b.fingerprint[:12] in rotated.stdout

        after = await stored_secrets(database)
        assert len(after) == len(before)
        for stored, data in after:
            cipher_b.decrypt(stored, associated_data=data)
            with pytest.raises(DecryptionError):
                cipher_a.decrypt(stored, associated_data=data)

        async with serving(database, key_a) as (runtime_a, _):
            with pytest.raises(KeyMismatch, match="Refusing to start"):
                await secure_at_rest(runtime_a)
        assert rotate(fresh_url, key_a, key_b).returncode == 1  # done: the old key is no longer the database's
        async with serving(database, key_b) as (runtime_b, client):
            await secure_at_rest(runtime_b)
            merchant.client = client
            assert (await merchant.get(f"/payout-batches/{batch['id']}/file")).text == original_file
            second = await merchant.post("/payout-batches")  # decrypts the pending payout's IBAN with B
            assert second.status_code == 201, second.text
            assert GOOD_IBAN in (await merchant.get(f"/payout-batches/{second.json()['id']}/file")).text
            async with session_scope(runtime_b) as connection:
                payload = (await connection.execute(select(jobs.c.payload).where(jobs.c.kind == JOB_KIND))).first()
            assert payload is not None
            assert "to" in runtime_b.outbox.unseal(payload.payload)  # a queued email reads with the new key
    finally:
        await database.dispose()
