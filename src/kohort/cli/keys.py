"""`kohort keys list|create|roll|revoke`: the operator's view of an organization's API keys, the same
operations as `/api-keys` (the operator may also revoke a mode's last secret key, and issue another)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta
from typing import Any

import typer
from starlette.datastructures import QueryParams

from kohort import rotation
from kohort.cli.common import run_in_runtime
from kohort.errors import KohortError
from kohort.kit import clock
from kohort.kit.crypto import Cipher, new_key
from kohort.kit.listing import MAX_TAKE, parse_list_params
from kohort.kit.timefmt import iso_z
from kohort.models import ApiKeyKind
from kohort.organization import service as organization_service
from kohort.organization.domain import ApiKey
from kohort.runtime import Runtime, session_scope
from kohort.tenant import Tenant

# Recorded as the keys' createdBy/revokedBy: the operator at the command line has no user or key id.
CLI_ACTOR = "cli"

keys_app = typer.Typer(help="API keys: list, create, roll, revoke.", no_args_is_help=True)


def _as_json(key: ApiKey, secret: str | None = None) -> dict[str, Any]:
    return {"id": key.id, "kind": key.kind.value, "livemode": key.livemode, "last4": key.last4,
            "createdAt": iso_z(key.created_at), "lastUsedAt": iso_z(key.last_used_at),
            "expiresAt": iso_z(key.expires_at), "revokedAt": iso_z(key.revoked_at),
            "createdBy": key.created_by, "revokedBy": key.revoked_by,
            **({"secret": secret} if secret is not None else {})}


def _status(key: ApiKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is None:
        return "active"
    return f"until {iso_z(key.expires_at)}" if key.is_usable(now) else "expired"


def _run(command: Any) -> Any:
    try:
        return run_in_runtime(command)
    except KohortError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None


async def _list(runtime: Runtime, tenant: Tenant) -> list[ApiKey]:
    params = parse_list_params(QueryParams({"take": str(MAX_TAKE), "orderBy": "createdAt:asc"}))
    async with session_scope(runtime) as connection:
        keys, _ = await organization_service.list_keys(connection, tenant, params)
    return keys


@keys_app.command("list")
def list_keys(
    org: str = typer.Option(..., "--org", help="The organization id (org_…)."),
    live: bool = typer.Option(False, "--live", help="Live mode (default: test mode)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document instead of a table."),
) -> None:
    """The organization's keys in one mode, oldest first: never their secrets."""
    keys = _run(lambda runtime: _list(runtime, Tenant(organization_id=org, livemode=live)))
    if as_json:
        typer.echo(json.dumps([_as_json(key) for key in keys], indent=2))
        return
    now = clock.now()
    for key in keys:
        last_used = iso_z(key.last_used_at) or "never used"
        typer.echo(f"{key.id}  {key.kind.value:11}  …{key.last4}  created {iso_z(key.created_at)}  "
                   f"{last_used:24}  {_status(key, now)}")
    typer.echo(f"{len(keys)} key(s)")


def _print_issued(issued: organization_service.IssuedKey, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_as_json(issued.key, issued.secret), indent=2))
        return
    typer.echo(f"{issued.key.id} ({issued.key.kind.value}, {'live' if issued.key.livemode else 'test'})")
    typer.echo(f"  {issued.secret}")
    typer.echo("Shown only now; store it safely.", err=True)


async def _create(runtime: Runtime, tenant: Tenant, kind: ApiKeyKind) -> organization_service.IssuedKey:
    async with session_scope(runtime) as connection:
        return await organization_service.create_key(connection, tenant, CLI_ACTOR, kind=kind)


@keys_app.command("create")
def create_key(
    org: str = typer.Option(..., "--org", help="The organization id (org_…)."),
    live: bool = typer.Option(False, "--live", help="Live mode (default: test mode)."),
    publishable: bool = typer.Option(False, "--publishable", help="A publishable key (default: secret)."),
    as_json: bool = typer.Option(False, "--json", help="Print the key as JSON."),
) -> None:
    """Issue a new key; its secret is printed once."""
    kind = ApiKeyKind.PUBLISHABLE if publishable else ApiKeyKind.SECRET
    _print_issued(_run(lambda runtime: _create(runtime, Tenant(organization_id=org, livemode=live), kind)), as_json)


async def _roll(runtime: Runtime, key_id: str, grace: timedelta) -> organization_service.IssuedKey:
    async with session_scope(runtime) as connection:
        tenant = await organization_service.tenant_of_key(connection, key_id)
        return await organization_service.roll_key(connection, tenant, CLI_ACTOR, key_id, grace=grace)


@keys_app.command("roll")
def roll_key(
    key_id: str = typer.Argument(..., help="The key to replace (key_…)."),
    grace_seconds: int = typer.Option(0, "--grace-seconds", min=0, max=7 * 24 * 3600,
                                      help="How long the rolled key keeps working (default 0, at most 7 days)."),
    as_json: bool = typer.Option(False, "--json", help="Print the new key as JSON."),
) -> None:
    """Replace a key by a new one of the same kind and mode; the new secret is printed once."""
    _print_issued(_run(lambda runtime: _roll(runtime, key_id, timedelta(seconds=grace_seconds))), as_json)


async def _revoke(runtime: Runtime, key_id: str) -> ApiKey:
    async with session_scope(runtime) as connection:
        tenant = await organization_service.tenant_of_key(connection, key_id)
        return await organization_service.revoke_key(connection, tenant, CLI_ACTOR, key_id, keep_a_secret_key=False)


@keys_app.command("revoke")
def revoke_key(key_id: str = typer.Argument(..., help="The key to revoke (key_…).")) -> None:
    """Revoke a key now: every server process refuses it from its next request on."""
    key = _run(lambda runtime: _revoke(runtime, key_id))
    typer.echo(f"{key.id} revoked")


class _ProgressBars:
    """One progress bar per store of secrets, on stderr, as `kohort.rotation.rotate` reports them."""

    def __init__(self) -> None:
        self._name: str | None = None
        self._bar: Any = None
        self._shown = 0

    def __call__(self, name: str, done: int, total: int) -> None:
        if name != self._name:
            self.close()
            self._name, self._shown = name, 0
            self._bar = typer.progressbar(length=max(total, 1), label=f"{name:24}", file=sys.stderr)
            self._bar.__enter__()
        self._bar.length = max(total, 1)
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


@keys_app.command("generate-encryption-key")
def generate_encryption_key() -> None:
    """Print a fresh encryption key (for KOHORT_ENCRYPTION_KEY, or for rotate-encryption)."""
    typer.echo(new_key())


@keys_app.command("rotate-encryption")
def rotate_encryption(
    new_key_env: str = typer.Option(None, "--new-key-env",
                                    help="The environment variable holding the new key (default: read it from stdin)."),
) -> None:
    """Re-encrypt every stored secret (shoppers' IBANs, batch files, queued emails, webhook secrets) under a new
    key, then make it the database's key. Run it with the current key as KOHORT_ENCRYPTION_KEY, servers and workers
    stopped; start them again with the new key. Interrupted, it resumes when run again."""
    raw = os.environ.get(new_key_env, "") if new_key_env else sys.stdin.readline()
    try:
        new = Cipher(raw.strip())
    except ValueError as error:
        source = f"${new_key_env}" if new_key_env else "standard input"
        typer.echo(f"error: the new key ({source}): {error}; `kohort keys generate-encryption-key` makes one",
                   err=True)
        raise typer.Exit(2) from None
    bars = _ProgressBars()
    try:
        done = run_in_runtime(lambda runtime: rotation.rotate(runtime, new, on_progress=bars))
    finally:
        bars.close()
    summary = ", ".join(f"{count} {name}" for name, count in done.items())
    typer.echo(f"encryption key rotated ({summary}); new key fingerprint {new.fingerprint[:12]}. "
               "Start the servers and workers with the new KOHORT_ENCRYPTION_KEY.")
