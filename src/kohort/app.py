"""Builds the FastAPI application."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from kohort import __version__
from kohort.api import include_routers
from kohort.auth.service import KeyAuthenticator
from kohort.config import Settings, encryption_key, get_settings
from kohort.db import Database
from kohort.errors import install_error_handlers
from kohort.http.middleware import ApiVersionMiddleware, RejectNulMiddleware
from kohort.kit.crypto import Cipher
from kohort.kit.json_response import JsonResponse
from kohort.payout.provider import SepaFileProvider
from kohort.worker.runner import Runner


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """The application. Tests pass their own `database`; `kohort serve` lets it build one from settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.database = database or Database(settings.database_url, pool_size=settings.db_pool_size)
        app.state.settings = settings
        app.state.cipher = Cipher(encryption_key(settings))
        app.state.payout_provider = SepaFileProvider()
        app.state.authenticator = KeyAuthenticator(
            app.state.database.engine, cache_seconds=settings.api_key_cache_seconds
        )
        # The embedded runner: `kohort serve` works alone on one SQLite file. Apps given a database
        # (tests) run none; they drive runners themselves.
        stop = asyncio.Event()
        runner_task = None
        if owned and settings.embedded_worker:
            runner = Runner(
                app.state.database, batch_size=settings.worker_batch_size,
                sweep_batch_size=settings.settle_batch_size, lease_seconds=settings.job_lease_seconds,
                poll_interval=settings.worker_poll_interval,
            )
            runner_task = asyncio.create_task(runner.run(stop), name="kohort-worker")
        try:
            yield
        finally:
            stop.set()
            if runner_task is not None:
                await runner_task
            if owned:
                await app.state.database.dispose()

    app = FastAPI(
        title="Kohort API",
        version=__version__,
        description="Referral groups and cashback, compatible with the KohortPay REST API.",
        lifespan=lifespan,
        default_response_class=JsonResponse,
    )
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(ApiVersionMiddleware)  # outermost: it stamps every response, the 400s above included
    install_error_handlers(app)
    include_routers(app)

    @app.get("/health", tags=["Health"])
    async def health(request: Request) -> JsonResponse:
        if not await request.app.state.database.is_reachable():
            return JsonResponse({"status": "unavailable"}, status_code=503)
        return JsonResponse({"status": "ok"})
    return app
