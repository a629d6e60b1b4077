"""Builds the FastAPI application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel

from kohort import __version__
from kohort.api import include_routers
from kohort.auth.service import KeyAuthenticator
from kohort.config import Settings, get_settings
from kohort.errors import install_error_handlers
from kohort.http import openapi
from kohort.http.middleware import ApiVersionMiddleware, RejectNulMiddleware
from kohort.idempotency import openapi as idempotency_openapi
from kohort.idempotency.middleware import IdempotencyMiddleware
from kohort.keyring.domain import KeyMismatch
from kohort.kit.json_response import JsonResponse
from kohort.logs import configure_logging
from kohort.runtime import Runtime, build_runtime, get_runtime, secure_at_rest
from kohort.worker.runner import Runner

log = logging.getLogger("kohort.app")


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    """The application. Tests pass their own `runtime` (their database, fakes) and drive runners
    themselves; `kohort serve` lets the app build its runtime from settings, with the embedded runner."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if runtime is not None:
            yield
            return
        own_settings = settings or get_settings()
        # Each server process (uvicorn --workers spawns fresh interpreters) configures its own logs.
        configure_logging(level=own_settings.log_level, log_format=own_settings.log_format)
        owned = build_runtime(own_settings)
        try:
            await secure_at_rest(owned)
        except KeyMismatch as refused:
            log.error("crypto.key_mismatch %s", refused.message)
            await owned.close()
            raise
        _install(app, owned)
        # The embedded runner: `kohort serve` works alone on one SQLite file.
        stop = asyncio.Event()
        runner_task = None
        if own_settings.embedded_worker:
            runner = Runner.configured(owned)
            runner_task = asyncio.create_task(runner.run(stop), name="kohort-worker")
        try:
            yield
        finally:
            stop.set()
            if runner_task is not None:
                await runner_task
            await owned.close()

    app = FastAPI(
        title="Kohort API",
        version=__version__,
        description="Referral groups and cashback, compatible with the KohortPay REST API.",
        lifespan=lifespan,
        default_response_class=JsonResponse,
        # Operation ids are what generated SDKs name their methods after: the route's function name.
        generate_unique_id_function=lambda route: route.name,
    )
    app.add_middleware(IdempotencyMiddleware)  # innermost: it stores the answer the routes gave
    app.add_middleware(RejectNulMiddleware)
    app.add_middleware(ApiVersionMiddleware)  # outermost: it stamps every response, the 400s above included
    install_error_handlers(app)
    include_routers(app)
    openapi.document(app, idempotency_openapi.add_header)
    if runtime is not None:
        _install(app, runtime)

    @app.get("/health", tags=["Health"], response_model=Health,
             responses={503: {"model": Health, "description": "The database cannot be reached."}})
    async def health(request: Request) -> JsonResponse:
        if not await get_runtime(request).database.is_reachable():
            return JsonResponse({"status": "unavailable"}, status_code=503)
        return JsonResponse({"status": "ok"})
    return app


class Health(BaseModel):
    status: Literal["ok", "unavailable"]


def _install(app: FastAPI, runtime: Runtime) -> None:
    app.state.runtime = runtime
    # Without KOHORT_ENCRYPTION_KEY (the development key in use), live-mode requests get 503 ENCRYPTION_KEY_REQUIRED.
    app.state.live_mode_refused = runtime.dev_key
    app.state.authenticator = KeyAuthenticator(runtime.database)
