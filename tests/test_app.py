"""Unauthenticated surface: health, the OpenAPI document and the docs page."""

from __future__ import annotations

import httpx

from kohort.app import create_app
from kohort.runtime import Runtime


async def test_health(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_openapi_documents_both_group_prefixes_and_request_bodies(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    for path in ("/orders", "/customers", "/customers/{customer_id}/block", "/payment-group-settings",
                 "/groups/{reference}/validate", "/payment-groups/{reference}/validate",
                 "/groups/{reference}/participants"):
        assert path in paths, path
    schemas = document["components"]["schemas"]
    assert "customerEmail" in schemas["OrderCreate"]["properties"]
    assert "OrderCreate" in str(paths["/orders"]["post"]["requestBody"])
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op]
    assert len(operation_ids) == len(set(operation_ids))


async def test_docs_page(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "/openapi.json" in response.text


async def test_an_unexpected_error_is_a_500_envelope_with_the_version_header(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kohort.test") as client:
        for version in (None, "2024-01-01"):
            response = await client.get("/boom", headers={"Kohort-Version": version} if version else {})
            assert response.status_code == 500
            assert response.json() == {"error": {"type": "api_error", "message": "Internal server error.",
                                                 "code": "INTERNAL_ERROR"}}
            assert "a bug" not in response.text
            assert response.headers.get("Kohort-Version") == (version or "2025-01-01")
