"""What every command shares: a runtime built for the command from the settings, closed afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from kohort.config import Settings, get_settings
from kohort.keyring.domain import KeyMismatch
from kohort.logs import configure_logging
from kohort.runtime import Runtime, build_runtime, secure_at_rest

T = TypeVar("T")


def setup_logging(settings: Settings) -> None:
    configure_logging(level=settings.log_level, log_format=settings.log_format)


def run_in_runtime(command: Callable[[Runtime], Awaitable[T]], *, pool_size: int = 1) -> T:
    """Run a command's coroutine with the process's runtime (the settings are read here, at the entry point).

    First the encryption key is checked against the database (and what an older version left in clear is
    encrypted): with another key than the database's, the command stops here, exit status 1, saying how to fix it."""

    settings = get_settings()
    setup_logging(settings)

    async def main() -> T:
        runtime = build_runtime(settings, pool_size=pool_size)
        try:
            sealed = await secure_at_rest(runtime)
            if sealed:
                typer.echo(f"encrypted {sealed} payout batch file(s) an older version stored in clear", err=True)
            return await command(runtime)
        finally:
            await runtime.close()

    try:
        return asyncio.run(main())
    except KeyMismatch as refused:
        typer.echo(f"error: {refused.message}", err=True)
        raise typer.Exit(1) from None
