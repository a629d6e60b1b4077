"""Standard Webhooks signatures (https://www.standardwebhooks.com, the scheme Svix implements), so the
verification code merchants already run works unchanged.

The secret is `whsec_` + base64 of random bytes; the HMAC key is those bytes. A delivery carries
`webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`: space-separated `v1,` +
base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), one per secret in force (two during a rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64


def new_signing_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def signature_header(signing_secrets: Sequence[str], *, message_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(secret, message_id=message_id, timestamp=timestamp, body=body) for secret in signing_secrets)


def headers(signing_secrets: Sequence[str], *, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(signing_secrets, message_id=message_id, timestamp=timestamp, body=body),
    }
