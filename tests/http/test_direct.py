"""Routes called without FastAPI's dependency solver (kohort.http.direct): the same dependencies, in the
same order, once per request, the same errors; routes of any other shape keep FastAPI's handler."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kohort import api
from kohort.errors import KohortError, install_error_handlers
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.direct import direct_handler
from kohort.http.schemas import WireModel
from kohort.kit.json_response import JsonResponse

calls: list[str] = []
_scheme = HTTPBearer(auto_error=False)


class Greeting(WireModel):
    name: str


async def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_scheme)) -> str:
    calls.append("caller")
    if credentials is None:
        raise KohortError("who are you?", code="UNKNOWN_CALLER")
    return credentials.credentials


async def greeting_prefix(request: Request, who: str = Depends(caller)) -> str:
    calls.append("prefix")
    return f"hello {who}"


router = APIRouter(route_class=JsonBodyRoute)


@router.post("/greetings")
async def greet(request: Request, who: str = Depends(caller), prefix: str = Depends(greeting_prefix),
                data: Greeting = json_body(Greeting)) -> JsonResponse:
    calls.append("endpoint")
    return JsonResponse({"who": who, "text": f"{prefix}, {data.name}"}, status_code=201)


@router.get("/greetings/{greeting_id}")
async def get_greeting(greeting_id: str, who: str = Depends(caller)) -> JsonResponse:
    return JsonResponse({"id": greeting_id, "who": who})


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    calls.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


def _route(path: str, method: str) -> JsonBodyRoute:
    return next(route for route in router.routes
                if isinstance(route, JsonBodyRoute) and route.path == path and method in route.methods)


def test_plain_routes_are_planned_and_others_left_to_fastapi() -> None:
    assert direct_handler(_route("/greetings", "POST").dependant) is not None
    assert direct_handler(_route("/greetings/{greeting_id}", "GET").dependant) is None  # a path parameter


def test_the_order_intake_skips_the_solver() -> None:
    orders = next(route for route in api.order_router.routes
                  if isinstance(route, JsonBodyRoute) and route.path == "/orders" and "POST" in route.methods)
    assert direct_handler(orders.dependant) is not None


async def test_dependencies_run_once_each_in_declaration_order(client: httpx.AsyncClient) -> None:
    response = await client.post("/greetings", json={"name": "Ann"}, headers={"Authorization": "Bearer bob"})
    assert response.status_code == 201
    assert response.json() == {"who": "bob", "text": "hello bob, Ann"}
    # `caller` is shared by the endpoint and `greeting_prefix`: computed once, as FastAPI caches it.
    assert calls == ["caller", "prefix", "endpoint"]


async def test_a_refusing_dependency_answers_before_the_body_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/greetings", content=b"not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNKNOWN_CALLER"
    assert calls == ["caller"]


async def test_the_body_is_validated_after_the_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.post("/greetings", json={"nom": "Ann"}, headers={"Authorization": "Bearer bob"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert calls == ["caller", "prefix"]


async def test_other_routes_still_work_through_fastapi(client: httpx.AsyncClient) -> None:
    response = await client.get("/greetings/g1", headers={"Authorization": "Bearer bob"})
    assert response.status_code == 200
    assert response.json() == {"id": "g1", "who": "bob"}
