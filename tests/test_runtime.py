"""The process's runtime: built from settings with injectable fakes; `session_scope` is all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from kohort.config import Settings
from kohort.email.sender import ConsoleSender, MemorySender, SmtpSender
from kohort.kit.clock import FrozenClock
from kohort.kit.crypto import Cipher, new_key
from kohort.models import jobs
from kohort.payout.provider import SepaFileProvider
from kohort.runtime import Runtime, build_runtime, session_scope
from kohort.worker.queue import enqueue


def test_built_from_settings_it_holds_the_configured_collaborators(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'k.db'}", encryption_key=new_key(),
                        email_backend="smtp", smtp_host="mail.test", smtp_port=2525,
                        public_url="https://kohort.example")
    runtime = build_runtime(settings)
    assert isinstance(runtime.sender, SmtpSender)
    assert (runtime.sender.host, runtime.sender.port) == ("mail.test", 2525)
    assert isinstance(runtime.payout_provider, SepaFileProvider)
    assert runtime.owns_database
    assert runtime.outbox.public_url == "https://kohort.example"
    sealed = runtime.outbox.cipher.encrypt("FR7630006000011234567890189", associated_data="payout:po_1")
    assert Cipher(settings.encryption_key or "").decrypt(sealed, associated_data="payout:po_1").startswith("FR76")
    assert isinstance(build_runtime(settings.model_copy(update={"email_backend": "console"})).sender, ConsoleSender)
    with pytest.raises(ValueError, match="KOHORT_EMAIL_BACKEND"):
        build_runtime(settings.model_copy(update={"email_backend": "pigeon"}))


def test_fakes_are_passed_in(runtime: Runtime) -> None:
    sender, clock = MemorySender(), FrozenClock(runtime.clock.now())
    faked = build_runtime(runtime.settings, database=runtime.database, cipher=runtime.cipher, sender=sender, clock=clock)
    assert faked.sender is sender
    assert faked.clock is clock
    assert faked.database is runtime.database
    assert not faked.owns_database  # closing it leaves the caller's database open


async def test_session_scope_commits_on_success_and_rolls_back_on_error(runtime: Runtime) -> None:
    async with session_scope(runtime) as connection:
        kept = await enqueue(connection, "test.runtime.kept", {})
    dropped: list[str | None] = []

    async def failing_command() -> None:
        async with session_scope(runtime) as connection:
            dropped.append(await enqueue(connection, "test.runtime.dropped", {}))
            raise RuntimeError("the command failed")

    with pytest.raises(RuntimeError, match="the command failed"):
        await failing_command()
    async with session_scope(runtime) as connection:
        found = set((await connection.execute(select(jobs.c.id).where(jobs.c.id.in_([kept, *dropped])))).scalars())
    assert dropped[0] is not None
    assert found == {kept}
