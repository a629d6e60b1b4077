"""Checking a process's encryption key against the database, and moving the recorded key through a rotation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.keyring import repository
from kohort.keyring.domain import FINGERPRINT, ROTATING_TO, KeyMismatch, mismatch
from kohort.kit import clock


async def check_key(connection: AsyncConnection, fingerprint: str) -> None:
    """Records the key's fingerprint at first use; raises KeyMismatch when the database knows another key."""
    await repository.insert_if_absent(connection, FINGERPRINT, fingerprint, now=clock.now())
    stored = await repository.get(connection, FINGERPRINT)
    if stored is not None and stored != fingerprint:
        raise mismatch(stored, fingerprint, await repository.get(connection, ROTATING_TO))


async def begin_rotation(connection: AsyncConnection, current: str, new: str) -> None:
    """Marks a rotation from the checked key `current` to `new`. Resuming the same rotation is fine; another
    rotation left unfinished is not (secrets may be under its key, which this run does not have)."""
    await check_key(connection, current)
    if current == new:
        raise KeyMismatch("The new encryption key is the current one: nothing to rotate.")
    pending = await repository.get(connection, ROTATING_TO)
    if pending is not None and pending != new:
        raise KeyMismatch(
            f"A rotation to another key (fingerprint {pending[:12]}) did not finish: some secrets are encrypted with "
            "it. Run `kohort keys rotate-encryption` again with that key as the new key first."
        )
    if pending is None:
        await repository.insert_if_absent(connection, ROTATING_TO, new, now=clock.now())


async def finish_rotation(connection: AsyncConnection, current: str, new: str) -> None:
    """Every secret is under `new`: the database expects it from now on."""
    if not await repository.replace_if(connection, FINGERPRINT, expected=current, value=new, now=clock.now()):
        raise KeyMismatch("The database's encryption key changed during the rotation; run it again.")
    await repository.remove(connection, ROTATING_TO)
