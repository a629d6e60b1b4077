"""A database that stays unreachable is a 503 SERVICE_UNAVAILABLE with Retry-After, never a 500, and
the client's keep-alive connection keeps working for its next request.

A real server process talks to PostgreSQL through a TCP proxy the test cuts (open connections dropped,
new ones refused, as when the database is stopped) and then restores."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy.exc
from sqlalchemy.engine import make_url

from kohort.app import create_app
from kohort.config import Settings
from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.kit.crypto import Cipher
from kohort.runtime import Runtime, build_runtime
from tests.factories.merchant import Merchant, unique_email
from tests.factories.server import running_server
from tests.factories.tcp_proxy import tcp_proxy


def _order() -> dict[str, Any]:
    return {"amount": 5000, "customerEmail": unique_email(), "customerFirstName": "Ann", "customerLastName": "Lee"}


def _runtime(database: Database) -> Runtime:
    settings = Settings(database_url=database.url)
    return build_runtime(
        settings, database=database, cipher=Cipher(os.environ["KOHORT_ENCRYPTION_KEY"]), sender=MemorySender()
    )


def _local_port(response: httpx.Response) -> int:
    return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {
        "error": {
            "type": "api_error",
            "message": "The database is unavailable; retry shortly.",
            "code": "SERVICE_UNAVAILABLE",
        }
    }
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Kohort-Version"] == "2025-01-01"


@pytest.mark.usefixtures("postgres_only")
async def test_an_unreachable_database_is_a_503_and_the_connection_stays_usable(
    database: Database, merchant: Merchant, tmp_path: Path
) -> None:
    code = (await merchant.order())["paymentGroupShareId"]
    url = make_url(database.url)
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        env = {"KOHORT_DATABASE_URL": proxied}
        async with running_server(env, embedded_worker=False, log_path=tmp_path / "server.log") as base_url:
            secret = {"Authorization": f"Bearer {merchant.keys['sk_test']}"}
            publishable = {"Authorization": f"Bearer {merchant.keys['pk_test']}"}
            one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            async with httpx.AsyncClient(base_url=base_url, limits=one_connection, timeout=30) as client:
                warm = await client.post("/orders", json=_order(), headers=secret)
                assert warm.status_code == 201, warm.text  # the server's pool now holds a live connection
                port = _local_port(warm)

                await proxy.cut()
                calls = [
                    ("POST", "/orders", secret, _order()),  # first: its pooled connection is dropped
                    ("GET", "/orders", secret, None),
                    ("POST", f"/groups/{code}/validate", publishable, {"amount": 3000}),  # the key lookup fails
                    ("GET", "/customers", secret, None),
                    ("PATCH", "/brand-settings", secret, {"displayName": "Maison Lune"}),
                    ("POST", "/withdrawals", {}, {"orderId": "ord_x", "token": "x", "iban": "x", "holderName": "x"}),
                ]
                for _ in range(2):
                    for method, path, headers, body in calls:
                        response = await client.request(method, path, json=body, headers=headers)
                        assert_unavailable(response)
                        assert _local_port(response) == port  # the same keep-alive connection throughout
                        # The next request on that connection is answered normally.
                        assert (await client.get("/openapi.json")).status_code == 200
                health = await client.get("/health")
                assert health.status_code == 503
                assert _local_port(health) == port

                await proxy.restore()
                recovered = await client.post("/orders", json=_order(), headers=secret)
                assert recovered.status_code == 201, recovered.text
                assert _local_port(recovered) == port
                # running_server waits for the process in a blocking call: the proxy could not forward the
                # server's goodbyes then, so it goes first.
                await proxy.cut()
    log = (tmp_path / "server.log").read_text()
    assert "Internal server error" not in log
    assert "request.unhandled_error" not in log


async def test_an_unreachable_sqlite_file_is_a_503(tmp_path: Path) -> None:
    missing = Database(f"sqlite:///{tmp_path / 'no-such-directory' / 'kohort.db'}")
    app = create_app(runtime=_runtime(missing))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://kohort.test") as client,
    ):
        response = await client.get("/orders", headers={"Authorization": "Bearer sk_test_0000"})
        assert_unavailable(response)
        assert (await client.get("/health")).status_code == 503
    await missing.dispose()


async def test_a_bug_is_a_500_that_tells_the_client_to_reconnect(database: Database) -> None:
    """The server drops the connection after an unexpected error: the response says so, so that a
    keep-alive client does not send its next request into a closing socket."""
    app = create_app(runtime=_runtime(database))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    @app.get("/bad-sql")
    async def bad_sql() -> None:
        raise sqlalchemy.exc.ProgrammingError("SELECT nope", {}, Exception("syntax error"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kohort.test") as client:
        response = await client.get("/boom")
        assert response.status_code == 500
        assert response.headers["Connection"] == "close"
        # A programming error in SQL is a bug, not an outage.
        response = await client.get("/bad-sql")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "INTERNAL_ERROR"
        assert "Retry-After" not in response.headers


@pytest.mark.usefixtures("postgres_only")
async def test_a_database_host_that_never_answers_is_a_503_after_the_connect_timeout(database: Database) -> None:
    url = make_url(database.url)
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        await proxy.hold()
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        silent = Database(proxied, connect_timeout=0.5)
        app = create_app(runtime=_runtime(silent))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://kohort.test") as client,
        ):
            started = time.perf_counter()
            response = await client.get("/orders", headers={"Authorization": "Bearer sk_test_0000"})
            assert_unavailable(response)
            assert time.perf_counter() - started < 10
        await silent.dispose()
