"""A fresh cookie jar per test over the real application (the shared `app_client` keeps no cookies)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from kohort.app import create_app
from kohort.runtime import Runtime


@pytest.fixture(scope="session")
def dashboard_app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
async def browser(dashboard_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=dashboard_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kohort.test",
                                 headers={"Accept-Language": "en-US"}) as client:
        yield client
