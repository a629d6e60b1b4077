"""What endpoints declare: `Depends(secret_key)` for merchant back-ends, `Depends(any_key)` where a
browser's publishable key is enough (share-code validation only)."""

from __future__ import annotations

from fastapi import Request

from kohort.auth.service import KeyAuthenticator, Principal, key_from_header
from kohort.errors import PermissionDenied


async def any_key(request: Request) -> Principal:
    authenticator: KeyAuthenticator = request.app.state.authenticator
    principal = await authenticator.authenticate(key_from_header(request.headers.get("authorization")))
    # The organization's pinned version applies unless the request chose one (kohort.http.versions).
    if request.state.requested_api_version is None:
        request.state.api_version = principal.default_api_version
    return principal


async def secret_key(request: Request) -> Principal:
    principal = await any_key(request)
    if not principal.is_secret:
        raise PermissionDenied("This endpoint needs a secret key (sk_…); publishable keys may only validate share codes.")
    return principal
