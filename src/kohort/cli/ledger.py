"""`kohort ledger check [--organization ID]`: reconcile the books with every order, refund, payout and
batch (kohort.ledger.audit); the first findings of each kind on stderr and exit 1 if anything is off."""

from __future__ import annotations

import sys

import typer

from kohort.cli.common import run_in_runtime
from kohort.ledger import audit
from kohort.runtime import Runtime, session_scope

ledger_app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


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
