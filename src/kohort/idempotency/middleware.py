"""The `Idempotency-Key` header on every POST, in front of the routes.

It runs outside the routes because it must see the whole answer (status and body bytes, as sent) and
because it covers every POST alike. It authenticates the key itself to learn the tenant; a request it
cannot place (no or a wrong key) passes through untouched and the route answers 401 as usual.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kohort.auth.service import KeyAuthenticator, Principal, key_from_header
from kohort.errors import RETRY_AFTER_SECONDS, KohortError, ServiceUnavailable, error_body, is_database_outage
from kohort.http.body import MAX_BODY_BYTES
from kohort.idempotency import service
from kohort.kit.json_response import JsonResponse
from kohort.runtime import Runtime
from kohort.tenant import Tenant

log = logging.getLogger("kohort.idempotency")

HEADER = b"idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"


def _header(scope: Scope, name: bytes) -> str | None:
    for header, value in scope["headers"]:
        if header == name:
            return str(value.decode("latin-1"))
    return None


async def _send_error(scope: Scope, receive: Receive, send: Send, error: KohortError) -> None:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if isinstance(error, ServiceUnavailable) else None
    response = JsonResponse(error_body(error.error_type, error.message, error.code), status_code=error.status_code,
                            headers=headers)
    await response(scope, receive, send)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = _header(scope, HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            service.check_key(key)
        except KohortError as error:
            await _send_error(scope, receive, send, error)
            return
        principal = await self._principal(scope)
        if principal is None:
            await self.app(scope, receive, send)
            return
        # The body is read here to fingerprint it, then handed to the route as if unread.
        messages, body, complete = await _read_body(receive)
        replay = _replaying(messages, receive)
        if not complete:  # too large: the route refuses it, and there is nothing worth keeping
            await self.app(scope, replay, send)
            return
        runtime: Runtime = scope["app"].state.runtime
        tenant = principal.tenant
        path = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope["query_string"] else "")
        try:
            outcome = await service.claim(runtime.database, tenant, key, service.fingerprint("POST", path, body))
        except KohortError as error:
            await _send_error(scope, receive, send, error)
            return
        except Exception as error:
            if not is_database_outage(error):
                raise
            log.warning("idempotency.database_unavailable error=%s", type(error).__name__)
            await _send_error(scope, receive, send, ServiceUnavailable("The database is unavailable; retry shortly."))
            return
        if isinstance(outcome, service.Replay):
            # Answered in the version the first request was: the version middleware stamps that one.
            scope.setdefault("state", {})["api_version"] = outcome.api_version
            await _send_replay(send, outcome)
            return
        await self._run(scope, replay, send, runtime, principal, key, outcome)

    async def _principal(self, scope: Scope) -> Principal | None:
        authenticator: KeyAuthenticator | None = getattr(scope["app"].state, "authenticator", None)
        if authenticator is None:
            return None
        try:
            return await authenticator.authenticate(key_from_header(_header(scope, b"authorization")))
        except Exception:  # noqa: BLE001 - the route authenticates again and answers 401 or 503 itself
            return None

    async def _run(self, scope: Scope, receive: Receive, send: Send, runtime: Runtime, principal: Principal,
                   key: str, held: service.Claim) -> None:
        # The answer is held back until it is stored: a client that has it can only ever get it again.
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        tenant = principal.tenant
        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await self._settle(runtime, tenant, key, held, None, [], b"", "")
            raise
        body = b"".join(chunks)
        status = start["status"] if start is not None else 500
        headers = _kept_headers(start)
        await self._settle(runtime, tenant, key, held, status, headers, body,
                           str(scope.get("state", {}).get("api_version", "")))
        if start is not None:
            await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _settle(self, runtime: Runtime, tenant: Tenant, key: str, held: service.Claim, status: int | None,
                      headers: list[list[str]], body: bytes, api_version: str) -> None:
        try:
            if status is not None and service.keeps(status):
                await service.complete(runtime.database, tenant, key, held, status=status, headers=headers,
                                       body=body, api_version=api_version)
            else:
                await service.release(runtime.database, tenant, key, held)
        except Exception as error:  # noqa: BLE001 - the answer stands; the claim's lease frees the key later
            log.warning("idempotency.settle_failed error=%s", type(error).__name__)


# Set again on each replay: the length by the server, the version by the version middleware.
_NOT_KEPT = {b"content-length", b"kohort-version"}


def _kept_headers(start: Message | None) -> list[list[str]]:
    if start is None:
        return []
    return [[name.decode("latin-1"), value.decode("latin-1")] for name, value in start.get("headers", [])
            if name.lower() not in _NOT_KEPT]


async def _send_replay(send: Send, replay: service.Replay) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in replay.headers]
    headers += [(b"content-length", str(len(replay.body)).encode()), (REPLAYED_HEADER.lower().encode(), b"true")]
    await send({"type": "http.response.start", "status": replay.status, "headers": headers})
    await send({"type": "http.response.body", "body": replay.body, "more_body": False})


async def _read_body(receive: Receive) -> tuple[list[Message], bytes, bool]:
    """The request's messages up to the end of its body, or until it passes the body limit."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, b"", False
        size += len(message.get("body", b""))
        if size > MAX_BODY_BYTES:
            return messages, b"", False
        if not message.get("more_body", False):
            return messages, b"".join(m.get("body", b"") for m in messages), True


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
