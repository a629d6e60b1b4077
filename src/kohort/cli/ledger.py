"""`kohort ledger check [--organization ID]`: reconcile the books with every order, refund, payout and
batch and verify the hash chains (kohort.ledger.audit); the first findings of each kind on stderr and
exit 1 if anything is off. `kohort ledger seal`: seal what the worker has not sealed yet (kohort.ledger.chain)
and print each chain's head."""

from __future__ import annotations

import sys
from datetime import timedelta

import typer

from kohort.cli.common import run_in_runtime
from kohort.kit import clock
from kohort.ledger import audit, chain
from kohort.ledger.domain import ChainHead
from kohort.runtime import Runtime, session_scope
from kohort.tenant import Tenant

ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
# Postings sealed per transaction by `kohort ledger seal`.
SEAL_BATCH = 5000


async def _check(runtime: Runtime, organization_id: str | None) -> list[str]:
    with typer.progressbar(length=1, label="Reconciling the ledger", file=sys.stderr) as bar:
        seen = {"done": 0}

        def on_progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - seen["done"])
            seen["done"] = done

        async with session_scope(runtime) as connection:
            return await audit.violations(connection, organization_id=organization_id, on_progress=on_progress)


@ledger_app.command("check")
def ledger_check(
    organization: str = typer.Option(None, "--organization", help="Only this organization (default: all)."),
) -> None:
    """Reconcile the ledger with the orders, refunds, payouts and batches; exit 1 and list the violations
    (the first 20 of each kind) if any."""
    found = run_in_runtime(lambda runtime: _check(runtime, organization))
    for line in found:
        typer.echo(line, err=True)
    if found:
        typer.echo(f"ledger check FAILED: {len(found)} violation line(s)", err=True)
        raise typer.Exit(1)
    typer.echo("ledger check passed: every order, refund, payout and batch reconciles with the ledger")


async def _seal(runtime: Runtime, settle: timedelta) -> tuple[int, list[tuple[Tenant, ChainHead]]]:
    sealed = 0
    while True:  # one transaction per batch: short locks on the heads
        async with session_scope(runtime) as connection:
            done = await chain.seal(connection, now=clock.now(), limit=SEAL_BATCH, settle=settle)
        sealed += done
        if done == 0:
            break
    async with session_scope(runtime) as connection:
        return sealed, await chain.heads(connection)


@ledger_app.command("seal")
def ledger_seal(
    settle_seconds: float = typer.Option(
        chain.SETTLE.total_seconds(), "--settle-seconds", min=0, help="Leave postings younger than this."),
) -> None:
    """Seal every posting old enough into its tenant's hash chain (the worker does it every few seconds)
    and print each chain's head: keep those hashes elsewhere to prove the history up to them."""
    sealed, heads = run_in_runtime(lambda runtime: _seal(runtime, timedelta(seconds=settle_seconds)))
    typer.echo(f"{sealed} posting(s) sealed")
    for tenant, head in heads:
        mode = "live" if tenant.livemode else "test"
        typer.echo(f"{tenant.organization_id} ({mode}): {head.position} link(s), head {head.hash}")
