"""What one process holds: settings, the database, the at-rest cipher, the email sender, the payout
provider and the clock, built once at start by `build_runtime` and handed to the app, the worker and the
CLI. Services never see it whole: entry points pass each service the one collaborator it needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.config import Settings, encryption_key
from kohort.db import Database
from kohort.email.outbox import Outbox
from kohort.email.sender import ConsoleSender, EmailSender, SmtpSender
from kohort.keyring import service as keyring
from kohort.kit import clock as process_clock
from kohort.kit.clock import Clock
from kohort.kit.crypto import Cipher
from kohort.payout import service as payout_service
from kohort.payout.provider import PayoutProvider, SepaFileProvider
from kohort.ratelimit.limiter import RateLimits, limits_from_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    database: Database
    cipher: Cipher
    sender: EmailSender
    payout_provider: PayoutProvider
    clock: Clock
    # Rate limits and the store of their counters (kohort.ratelimit).
    limits: RateLimits
    # Whether `close` disposes the database: a runtime built around a caller's database (tests) leaves it open.
    owns_database: bool = True
    # The development key is in use (no KOHORT_ENCRYPTION_KEY): live-mode requests are refused.
    dev_key: bool = False

    @property
    def outbox(self) -> Outbox:
        """How services queue emails: sealed with this process's cipher, links pointing at `public_url`."""
        return Outbox(cipher=self.cipher, public_url=self.settings.public_url)

    async def close(self) -> None:
        await self.limits.close()
        await self.sender.aclose()
        if self.owns_database:
            await self.database.dispose()


def sender_from_settings(settings: Settings) -> EmailSender:
    if settings.email_backend == "smtp":
        return SmtpSender(host=settings.smtp_host, port=settings.smtp_port, tls=settings.smtp_tls,
                          username=settings.smtp_username, password=settings.smtp_password,
                          sender=settings.email_sender, timeout=settings.smtp_timeout_seconds,
                          pool_size=settings.smtp_pool_size)
    if settings.email_backend == "console":
        return ConsoleSender(settings.email_sender)
    raise ValueError("KOHORT_EMAIL_BACKEND must be smtp or console")


def build_runtime(
    settings: Settings,
    *,
    database: Database | None = None,
    pool_size: int | None = None,
    cipher: Cipher | None = None,
    sender: EmailSender | None = None,
    payout_provider: PayoutProvider | None = None,
    clock: Clock | None = None,
) -> Runtime:
    """The process's runtime from `settings`; tests pass fakes (a memory sender, their own database)."""
    owned = database is None
    database = database or Database(settings.database_url, pool_size=pool_size or settings.db_pool_size)
    return Runtime(
        settings=settings,
        database=database,
        cipher=cipher or Cipher(encryption_key(settings)),
        sender=sender or sender_from_settings(settings),
        payout_provider=payout_provider or SepaFileProvider(),
        # By default the clock installed process-wide (kit.clock), which services read too.
        clock=clock or process_clock.Installed(),
        limits=limits_from_settings(settings, database),
        owns_database=owned,
        dev_key=cipher is None and not settings.encryption_key,
    )


def get_runtime(request: Request) -> Runtime:
    """The app's runtime, for endpoints: `runtime: Runtime = Depends(get_runtime)`."""
    runtime: Runtime = request.app.state.runtime
    return runtime


@asynccontextmanager
async def session_scope(runtime: Runtime) -> AsyncIterator[AsyncConnection]:
    """One unit of work on the runtime's database, for a task, a sweep or a CLI command: commits when the
    block ends normally, rolls back on any error. Services inside never commit."""
    async with runtime.database.transaction() as connection:
        yield connection


async def secure_at_rest(runtime: Runtime) -> int:
    """What a process does with the key before serving (serve, worker, every CLI command): the key must be the
    one the database knows (its fingerprint is recorded at first use; another key raises KeyMismatch), then
    payout batch files stored in clear by an older version are encrypted (masked first if confirmed), a page
    per transaction, so that no IBAN stays in clear after an upgrade. Returns how many it sealed."""
    async with session_scope(runtime) as connection:
        await keyring.check_key(connection, runtime.cipher.fingerprint)
    sealed, after_id = 0, ""
    while True:
        async with session_scope(runtime) as connection:
            count, next_id = await payout_service.seal_clear_documents(connection, runtime.cipher, after_id=after_id)
        sealed += count
        if next_id is None:
            return sealed
        after_id = next_id
