"""`kohort keys rotate-encryption`: every stored secret re-encrypted under a new key, then the database told to
expect it.

Resumable: the rotation's target is recorded first (instance_settings), each page of each store is its own
transaction, and a value the new key already decrypts is left as it is; run again after an interruption (with the
old key still configured), it carries on. Servers and workers are stopped meanwhile: one still running with the
old key would write new secrets under it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.email import outbox
from kohort.keyring import service as keyring
from kohort.kit.crypto import Cipher, Rotation
from kohort.payout import service as payout_service
from kohort.runtime import Runtime, secure_at_rest, session_scope
from kohort.webhook import service as webhook_service

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SecretStore:
    """Where encrypted values live: how many rows, and one page of re-encryption from an id on."""

    name: str
    count: Callable[[AsyncConnection], Awaitable[int]]
    reencrypt_page: Callable[[AsyncConnection, Rotation, str], Awaitable[tuple[int, str | None]]]


STORES = (
    SecretStore("shoppers' IBANs", payout_service.count_stored_ibans, payout_service.reencrypt_ibans),
    SecretStore("payout batch files", payout_service.count_batches, payout_service.reencrypt_documents),
    SecretStore("queued emails", outbox.count_queued, outbox.reencrypt_queued),
    SecretStore("webhook signing secrets", webhook_service.count_all_endpoints, webhook_service.reencrypt_secrets),
)


async def rotate(runtime: Runtime, new: Cipher, *, on_progress: ProgressCallback | None = None) -> dict[str, int]:
    """Re-encrypts every store from the runtime's key to `new`, then records `new`'s fingerprint. Returns the rows
    read per store."""
    await secure_at_rest(runtime)  # the current key is the database's, and nothing is left in clear
    async with session_scope(runtime) as connection:
        await keyring.begin_rotation(connection, runtime.cipher.fingerprint, new.fingerprint)
    rotation = Rotation(runtime.cipher, new)
    done: dict[str, int] = {}
    for store in STORES:
        async with session_scope(runtime) as connection:
            total = await store.count(connection)
        done[store.name], after_id = 0, ""
        while True:
            async with session_scope(runtime) as connection:
                read, next_id = await store.reencrypt_page(connection, rotation, after_id)
            done[store.name] += read
            if on_progress is not None:
                on_progress(store.name, done[store.name], max(total, done[store.name]))
            if next_id is None:
                break
            after_id = next_id
    async with session_scope(runtime) as connection:
        await keyring.finish_rotation(connection, runtime.cipher.fingerprint, new.fingerprint)
    return done
