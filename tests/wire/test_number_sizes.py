"""Huge or endless numbers are refused fast, on every numeric input of every endpoint.

`{"amount": "1e400000"}` used to be rounded to an integer before its range was checked: seconds of CPU
with the event loop blocked, so every other request waited too. Each oversized number must now be a
400 in the error envelope well within `BOUND_SECONDS`, and `/health` must stay responsive meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from kohort.db import Database
from tests.factories.merchant import Merchant, unique_email
from tests.factories.server import running_server
from tests.wire.test_bad_input import assert_4xx_envelope

# Generous: a refused number takes well under a millisecond; the bug took 7 s to 40 s.
BOUND_SECONDS = 0.5
# Over a real socket on a machine shared with other test runs: still a fraction of what one number cost
# before (4 s for "1e400000", 25 s for "-1e999999"), and never met by a blocked event loop.
HEALTH_BOUND_SECONDS = 2.0

HUGE_TOKENS = [
    "1e400000",
    "-1e999999",
    "9" * 10_000,
    "-" + "9" * 10_000,
    "1." + "1" * 10_000,  # a long decimal: the parser would silently keep 1.111…
    "0." + "0" * 5_000 + "1",
    "1" + "0" * 40,
]
# As JSON numbers and as JSON strings (plugins send both).
HUGE_VALUES = HUGE_TOKENS + [json.dumps(token) for token in HUGE_TOKENS]

PLACEHOLDER = '"__NUMBER__"'


def _body(template: dict[str, Any], raw_value: str) -> bytes:
    """`template` as JSON with its placeholder replaced by `raw_value` verbatim (json.dumps cannot
    write a 10 000-digit number token)."""
    return json.dumps(template).replace(PLACEHOLDER, raw_value).encode()


def _body_targets(code: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, key, body template) for each numeric field of each endpoint that takes a body."""
    order = {"customerEmail": unique_email(), "customerFirstName": "Ann", "customerLastName": "Lee"}
    level = {"participantsToUnlock": 2, "value": 10}
    return [
        ("POST", "/orders", "sk_test", {**order, "amount": "__NUMBER__"}),
        ("POST", f"/groups/{code}/validate", "pk_test", {"amount": "__NUMBER__"}),
        ("POST", f"/groups/{code}/validate", "pk_test", {"customerEmail": unique_email(), "amount": "__NUMBER__"}),
        ("PATCH", "/payment-group-settings", "sk_test", {"minPurchaseValue": "__NUMBER__"}),
        ("PATCH", "/payment-group-settings", "sk_test", {"maxParticipants": "__NUMBER__"}),
        ("PATCH", "/payment-group-settings", "sk_test", {"minutesDuration": "__NUMBER__"}),
        (
            "PATCH",
            "/payment-group-settings",
            "sk_test",
            {"discountLevels": [{**level, "participantsToUnlock": "__NUMBER__"}]},
        ),
        ("PATCH", "/payment-group-settings", "sk_test", {"discountLevels": [{**level, "value": "__NUMBER__"}]}),
    ]


# A timestamp may arrive as a JSON number (Unix seconds); as text it is a date, parsed without arithmetic.
TIMESTAMP_TARGET = (
    "POST",
    "/groups",
    "sk_test",
    {"customerId": "cus_x", "orderId": "ord_x", "expiresAt": "__NUMBER__"},
)


def _cases(code: str) -> list[tuple[str, str, str, dict[str, Any], str]]:
    cases = [(*target, raw_value) for target in _body_targets(code) for raw_value in HUGE_VALUES]
    return cases + [(*TIMESTAMP_TARGET, token) for token in HUGE_TOKENS]


LIST_PATHS = ["/orders", "/customers", "/groups", "/payouts", "/payout-batches"]


def _query_targets(code: str) -> list[tuple[str, dict[str, str]]]:
    """(path, query) for each numeric query parameter, with the huge token as its text."""
    targets: list[tuple[str, dict[str, str]]] = []
    for token in HUGE_TOKENS:
        for path in [*LIST_PATHS, f"/groups/{code}/participants"]:
            targets += [(path, {"take": token}), (path, {"skip": token})]
        targets += [("/orders", {"search": f"amount>={token[:900]}"}), ("/orders", {"search": f"amount:{token[:900]}"})]
    return targets


async def _timed(send: Any) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await send
    return response, time.perf_counter() - started


async def test_every_numeric_body_field_refuses_huge_numbers_fast(merchant: Merchant) -> None:
    code = (await merchant.order())["paymentGroupShareId"]
    settings_before = (await merchant.get("/payment-group-settings")).json()
    for method, path, key, template, raw_value in _cases(code):
        response, elapsed = await _timed(
            merchant.client.request(
                method,
                path,
                content=_body(template, raw_value),
                headers=merchant.headers(key, **{"Content-Type": "application/json"}),
            )
        )
        assert_4xx_envelope(response)
        assert elapsed < BOUND_SECONDS, (path, template, raw_value[:20], elapsed)
    assert (await merchant.get("/payment-group-settings")).json() == settings_before
    assert (await merchant.get("/orders")).json()["count"] == 1


async def test_every_numeric_query_parameter_refuses_huge_numbers_fast(merchant: Merchant) -> None:
    code = (await merchant.order())["paymentGroupShareId"]
    for path, query in _query_targets(code):
        response, elapsed = await _timed(merchant.get(path, params=query))
        assert_4xx_envelope(response)
        assert elapsed < BOUND_SECONDS, (path, query, elapsed)


async def test_sane_numbers_still_pass(merchant: Merchant) -> None:
    # The bounds sit far above every accepted value: plugins' float noise and string amounts still work.
    for amount, expected in (
        (1998.9999999999998, 1999),
        ("3000", 3000),
        ("12.5", 13),
        (99_999_999_999, 99_999_999_999),
    ):
        order = await merchant.order(amount=amount)  # type: ignore[arg-type]
        assert order["amount"] == expected
    response = await merchant.get("/orders", params={"take": "100", "skip": "0", "search": "amount>=1999"})
    assert response.status_code == 200
    assert response.json()["count"] == 3  # all but the 13-cent one


async def test_health_stays_responsive_while_huge_numbers_arrive(
    database: Database, merchant: Merchant, tmp_path: Path
) -> None:
    """A real server process: the event loop is never blocked by a number, so /health answers at once."""
    code = (await merchant.order())["paymentGroupShareId"]
    env = {"KOHORT_DATABASE_URL": database.url}
    async with (
        running_server(env, embedded_worker=False, log_path=tmp_path / "server.log") as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=60) as client,
    ):
        done = asyncio.Event()
        health_times: list[float] = []

        async def probe_health() -> None:
            while not done.is_set():
                response, elapsed = await _timed(client.get("/health"))
                assert response.status_code == 200
                health_times.append(elapsed)
                await asyncio.sleep(0.01)

        async def attack() -> list[tuple[int, float]]:
            results = []
            for _ in range(3):
                for method, path, key, template, raw_value in _cases(code):
                    response, elapsed = await _timed(
                        client.request(
                            method,
                            path,
                            content=_body(template, raw_value),
                            headers=merchant.headers(key, **{"Content-Type": "application/json"}),
                        )
                    )
                    results.append((response.status_code, elapsed))
            return results

        prober = asyncio.create_task(probe_health())
        try:
            results = await attack()
        finally:
            done.set()
            await prober
    assert {status for status, _ in results} == {400}
    # Over a real socket on a shared machine: still far below the seconds the bug took.
    assert max(elapsed for _, elapsed in results) < HEALTH_BOUND_SECONDS
    assert len(health_times) >= 5, health_times
    assert max(health_times) < HEALTH_BOUND_SECONDS, health_times
