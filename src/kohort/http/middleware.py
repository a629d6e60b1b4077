"""ASGI middleware in front of every route: the API version of each request, and NUL characters
refused before any route sees them."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kohort.errors import error_body
from kohort.http.body import NUL_MESSAGE
from kohort.http.versions import API_VERSIONS, CURRENT_VERSION, VERSION_HEADER
from kohort.kit.json_response import JsonResponse


class RejectNulMiddleware:
    """A NUL character in the path or the query string (`%00`) is a 400, never a database error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]):
            response = JsonResponse(error_body("invalid_request_error", NUL_MESSAGE, "BAD_REQUEST"), status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ApiVersionMiddleware:
    """Reads `Kohort-Version` (unknown → 400) and stamps the version used on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requested = None
        for name, value in scope["headers"]:
            if name == b"kohort-version":
                requested = value.decode("latin-1").strip()
                break
        state = scope.setdefault("state", {})
        if requested is not None and requested not in API_VERSIONS:
            message = f"Unknown API version {requested!r}; supported: {', '.join(API_VERSIONS)}."
            response = JsonResponse(
                error_body("invalid_request_error", message, "INVALID_API_VERSION"),
                status_code=400,
                headers={VERSION_HEADER: CURRENT_VERSION},
            )
            await response(scope, receive, send)
            return
        state["requested_api_version"] = requested
        state["api_version"] = requested or CURRENT_VERSION

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((VERSION_HEADER.encode(), state["api_version"].encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_version)
