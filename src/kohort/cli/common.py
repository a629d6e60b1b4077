"""What every command shares: a runtime built for the command from the settings, closed afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kohort.config import Settings, get_settings
from kohort.logs import configure_logging
from kohort.runtime import Runtime, build_runtime

T = TypeVar("T")


def setup_logging(settings: Settings) -> None:
    configure_logging(level=settings.log_level, log_format=settings.log_format)


def run_in_runtime(command: Callable[[Runtime], Awaitable[T]], *, pool_size: int = 1) -> T:
    """Run a command's coroutine with the process's runtime (the settings are read here, at the entry point)."""

    settings = get_settings()
    setup_logging(settings)

    async def main() -> T:
        runtime = build_runtime(settings, pool_size=pool_size)
        try:
            return await command(runtime)
        finally:
            await runtime.close()

    return asyncio.run(main())
