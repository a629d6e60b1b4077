"""The exact bytes on the wire, recorded: status, content type, version header and body of a fixed
script of requests, in both API versions (chosen by the organization and by the header).

The HTTP edge may be reorganised freely; what a shop plugin receives must not move by a byte. Ids,
share codes and API keys are random, so they are renamed in order of appearance (`<ord_1>`); time is
frozen, so timestamps stay as they are. Both backends must produce the same transcript.

To record a deliberate change of the wire: `KOHORT_RECORD_WIRE=1 pytest tests/wire/test_wire_bytes.py`,
then review the diff of `tests/wire/golden/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kohort.db import Database
from kohort.kit import clock
from kohort.kit.clock import FrozenClock
from tests.factories.merchant import Merchant, create_merchant

GOLDEN = Path(__file__).parent / "golden"
RECORD = os.environ.get("KOHORT_RECORD_WIRE") == "1"

START = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
ID = re.compile(rb"\b(?:[a-z]+)_[0-9a-f]{20}\b")
SHARE_CODE = re.compile(rb"\bKHT-(?:test-)?[0-9A-Za-z]+\b")


@dataclass
class Transcript:
    """What was said, with random tokens renamed consistently (the same id gets the same name)."""

    merchant: Merchant
    clock: FrozenClock
    api_version: str | None
    names: dict[bytes, bytes] = field(default_factory=dict)
    lines: list[bytes] = field(default_factory=list)

    def _rename(self, match: re.Match[bytes]) -> bytes:
        token = match.group(0)
        if token not in self.names:
            kind = token.split(b"_")[0] if b"_" in token else b"code"
            number = 1 + sum(1 for name in self.names.values() if name.startswith(b"<" + kind + b"_"))
            self.names[token] = b"<" + kind + b"_" + str(number).encode() + b">"
        return self.names[token]

    def normalise(self, raw: bytes) -> bytes:
        for key, value in self.merchant.keys.items():
            raw = raw.replace(value.encode(), f"<{key}>".encode())
        return SHARE_CODE.sub(self._rename, ID.sub(self._rename, raw))

    async def call(
        self, method: str, path: str, *, key: str | None = "sk_test", json: Any = None, content: bytes | None = None,
        headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if self.api_version is not None:
            sent.setdefault("Kohort-Version", self.api_version)
        if key is not None:
            sent["Authorization"] = f"Bearer {self.merchant.keys[key]}"
        response = await self.merchant.client.request(method, path, json=json, content=content, headers=sent,
                                                      params=params)
        self.clock.advance(timedelta(milliseconds=7))  # distinct timestamps: list order is then well defined
        query = f"?{response.request.url.query.decode()}" if response.request.url.query else ""
        self.lines += [
            self.normalise(f"### {method} {path}{query} key={key}".encode()),
            f"{response.status_code} {response.headers.get('content-type')} "
            f"Kohort-Version={response.headers.get('kohort-version')}".encode(),
            self.normalise(response.content),
            b"",
        ]
        return response

    def text(self) -> bytes:
        return b"\n".join(self.lines)


async def script(say: Transcript) -> None:
    """A representative session of a shop plugin: orders opening and joining groups, reads, lists,
    the share-code check, customers, settings, and the errors plugins meet."""
    owner_body = {"amount": 35_000, "customerEmail": "ann.lee@example.com", "customerFirstName": "Ann",
                  "customerLastName": "Lee", "clientReferenceId": "cart-1001", "locale": "fr_FR",
                  "metadata": {"basketId": "b-1", "snake_key": " padded "}}
    owner = (await say.call("POST", "/orders", json=owner_body)).json()
    replay = await say.call("POST", "/orders", json=owner_body)
    assert replay.status_code == 200
    ids = {key: value for key, value in owner.items() if isinstance(value, str)}
    order_id = ids.get("id")
    group_id = ids.get("paymentGroupId") or ids.get("payment_group_id")
    share_code = ids.get("paymentGroupShareId") or ids.get("payment_group_share_id")
    assert order_id
    assert group_id
    assert share_code
    # A friend joins, with the other casing and an unknown key (plugins send both).
    friend = await say.call("POST", "/orders", json={
        "amount": 12_345.0, "customer_email": "bob.martin@example.com", "customer_first_name": "Bob",
        "customerLastName": "Martin", "payment_group_share_id": share_code.lower(), "pluginVersion": "4.2"})
    assert friend.status_code == 201
    await say.call("GET", f"/orders/{order_id}")
    await say.call("GET", f"/orders/{order_id}", params={"expand[]": ["paymentGroup", "customer"]})
    await say.call("GET", "/orders")
    await say.call("GET", "/orders", params={"take": 1, "skip": 1, "orderBy": "amount:asc"})
    await say.call("GET", "/orders", params={"search": 'status:"CREATED"', "expand[]": "paymentGroup"})
    await say.call("GET", f"/groups/{share_code}")
    await say.call("GET", f"/payment-groups/{group_id}", params={"expand[]": "customer"})
    await say.call("GET", "/groups")
    await say.call("GET", f"/groups/{group_id}/participants")
    await say.call("POST", f"/groups/{share_code}/validate", key="pk_test")
    await say.call("POST", f"/groups/{share_code}/validate", key="pk_test",
                   json={"customerEmail": "carol@example.com", "amount": 5000})
    await say.call("POST", f"/groups/{share_code}/validate", key="pk_test",
                   json={"customer_email": "ann.lee@example.com"})
    await say.call("POST", "/groups/KHT-test-00000000/validate", key="pk_test")
    customer = (await say.call("POST", "/customers", json={
        "emailAddress": "dan@example.com", "firstName": "Dan", "last_name": "Dupont", "locale": "en-GB"})).json()
    customer_id = customer.get("id")
    await say.call("GET", "/customers")
    await say.call("GET", f"/customers/{customer_id}")
    await say.call("PATCH", f"/customers/{customer_id}", json={"phoneNumber": "+33612345678"})
    await say.call("GET", "/payment-group-settings")
    await say.call("GET", "/brand-settings")
    await say.call("GET", "/payout-settings")
    await say.call("GET", "/payouts")
    await say.call("GET", "/payout-batches")
    # Errors: validation, malformed bodies, unknown ids, authentication, bad list parameters.
    await say.call("POST", "/orders", json={})
    await say.call("POST", "/orders", content=b"", headers={"Content-Type": "application/json"})
    await say.call("POST", "/orders", json={"amount": "lots", "customerEmail": "not-an-email"})
    await say.call("POST", "/orders", content=b"{", headers={"Content-Type": "application/json"})
    await say.call("POST", "/orders", json=[{"amount": 5000}])
    await say.call("GET", "/orders/ord_00000000000000000000")
    await say.call("GET", "/groups/pg_00000000000000000000")
    await say.call("GET", "/customers/cus_00000000000000000000")
    await say.call("GET", "/orders", key=None)
    await say.call("GET", "/orders", key=None, headers={"Authorization": "Bearer sk_test_wrong"})
    await say.call("GET", "/orders", key="pk_test")
    await say.call("GET", "/orders", params={"take": 0})
    await say.call("GET", "/orders", params={"search": "nope:1"})
    await say.call("GET", "/orders", headers={"Kohort-Version": "1999-01-01"})


@pytest.fixture
def fixed_clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(START)
    previous = clock.use(frozen)
    yield frozen
    clock.use(previous)


SCENARIOS = {
    # name: (the organization's default version, the Kohort-Version header sent, if any)
    "current": ("2025-01-01", None),
    "legacy": ("2024-01-01", None),
    "legacy-by-header": ("2025-01-01", "2024-01-01"),
    "current-by-header": ("2024-01-01", "2025-01-01"),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_wire_bytes_are_unchanged(
    scenario: str, database: Database, app_client: httpx.AsyncClient, fixed_clock: FrozenClock
) -> None:
    organization_version, header = SCENARIOS[scenario]
    merchant = await create_merchant(database, app_client, name="Wire shop", api_version=organization_version,
                                     cashback_hold_days=None)  # the defaults, as a new organization has them
    say = Transcript(merchant=merchant, clock=fixed_clock, api_version=header)
    await script(say)
    golden = GOLDEN / f"{scenario}.txt"
    if RECORD:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(say.text())
    assert say.text().decode() == golden.read_bytes().decode()
