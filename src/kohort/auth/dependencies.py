"""What endpoints declare: `Depends(secret_key)` for merchant back-ends, `Depends(any_key)` where a
browser's publishable key is enough (share-code validation only).

The bearer schemes below only document the keys in /openapi.json (each route lists the schemes it
accepts); the key itself is read and checked by `KeyAuthenticator`, with our own 401s."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kohort.auth.service import KeyAuthenticator, Principal, key_from_header
from kohort.errors import EncryptionKeyRequired, PermissionDenied
from kohort.http.openapi import PUBLISHABLE_KEY_SCHEME, SECRET_KEY_SCHEME

_secret_scheme = HTTPBearer(scheme_name=SECRET_KEY_SCHEME, auto_error=False)
_publishable_scheme = HTTPBearer(scheme_name=PUBLISHABLE_KEY_SCHEME, auto_error=False)
_Documented = HTTPAuthorizationCredentials | None


async def _principal(request: Request) -> Principal:
    authenticator: KeyAuthenticator = request.app.state.authenticator
    principal = await authenticator.authenticate(key_from_header(request.headers.get("authorization")))
    if principal.tenant.livemode and request.app.state.live_mode_refused:
        raise EncryptionKeyRequired()
    # The organization's pinned version applies unless the request chose one (kohort.http.versions).
    if request.state.requested_api_version is None:
        request.state.api_version = principal.default_api_version
    return principal


async def any_key(
    request: Request,
    _secret: _Documented = Depends(_secret_scheme),
    _publishable: _Documented = Depends(_publishable_scheme),
) -> Principal:
    return await _principal(request)


async def secret_key(request: Request, _secret: _Documented = Depends(_secret_scheme)) -> Principal:
    principal = await _principal(request)
    if not principal.is_secret:
        raise PermissionDenied("This endpoint needs a secret key (sk_…); publishable keys may only validate share codes.")
    return principal
