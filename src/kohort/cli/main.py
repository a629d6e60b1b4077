"""`kohort serve`, `kohort worker`, `kohort jobs …`, `kohort db upgrade`, `kohort orgs create` (and, in their
own modules, `kohort payouts …`, `kohort cashback …`, `kohort keys …` and `kohort users …`)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
from typing import Any

import typer
import uvicorn

from kohort.cli.cashback import cashback_app
from kohort.cli.common import run_in_runtime, setup_logging
from kohort.cli.keys import keys_app
from kohort.cli.ledger import ledger_app
from kohort.cli.payouts import payouts_app
from kohort.cli.users import users_app
from kohort.config import dev_key_path, encryption_key, get_settings
from kohort.http.versions import API_VERSIONS, CURRENT_VERSION
from kohort.kit.timefmt import iso_z
from kohort.migrate import upgrade
from kohort.organization import service as organization_service
from kohort.runtime import Runtime, session_scope
from kohort.user import service as user_service
from kohort.user.domain import Role
from kohort.worker import service as job_service
from kohort.worker.domain import JobStatus
from kohort.worker.runner import Runner

app = typer.Typer(help="Kohort: referral groups and cashback for merchants.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations (merchants).", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs: inspect, retry the dead.", no_args_is_help=True)
# A worker's connections: a few jobs that need the database at once, the turn, the heartbeat and a sweep.
WORKER_POOL_SIZE = 4
app.add_typer(db_app, name="db")
app.add_typer(orgs_app, name="orgs")
app.add_typer(jobs_app, name="jobs")
app.add_typer(ledger_app, name="ledger")
app.add_typer(payouts_app, name="payouts")
app.add_typer(cashback_app, name="cashback")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")

async def _create_organization(
    runtime: Runtime, name: str, api_version: str
) -> organization_service.CreatedOrganization:
    async with session_scope(runtime) as connection:
        return await organization_service.create_organization(connection, name=name, api_version=api_version)


DEMO_LOGIN = "demo@kohort.localhost"


async def _create_demo_if_empty(runtime: Runtime) -> tuple[organization_service.CreatedOrganization, str] | None:
    """The demo organization and the password of its dashboard owner (`DEMO_LOGIN`), on a first start."""
    async with session_scope(runtime) as connection:
        created = await organization_service.create_demo_organization(connection)
        if created is None:
            return None
        password = secrets.token_urlsafe(12)
        await user_service.create_user(connection, organization_id=created.id, email=DEMO_LOGIN, role=Role.OWNER,
                                       password=password, locale="en_US")
    return created, password


def _print_organization(created: organization_service.CreatedOrganization) -> None:
    typer.echo(f"Organization {created.name} ({created.id}), API version {created.api_version}")
    typer.echo("Keys (shown only now; store them safely):")
    for name, key in created.keys.items():
        typer.echo(f"  {name:8} {key}")


async def _key_checked(runtime: Runtime) -> None:
    """Nothing more than every command does first (kohort.cli.common.run_in_runtime): check the encryption key
    against the database and encrypt what an older version left in clear."""


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations (and encrypt what older versions stored in clear: it needs the key)."""
    upgrade(get_settings().database_url)
    run_in_runtime(_key_checked)
    typer.echo("database is up to date")


@orgs_app.command("create")
def orgs_create(
    name: str = typer.Option(..., "--name", help="The merchant's name."),
    api_version: str = typer.Option(CURRENT_VERSION, "--api-version", help=f"One of {', '.join(API_VERSIONS)}."),
    as_json: bool = typer.Option(False, "--json", help="Print the organization and its keys as JSON."),
) -> None:
    """Create an organization with its four API keys and default group settings."""
    if api_version not in API_VERSIONS:
        raise typer.BadParameter(f"use one of {', '.join(API_VERSIONS)}", param_hint="--api-version")
    if not name.strip():
        raise typer.BadParameter("must not be empty", param_hint="--name")
    upgrade(get_settings().database_url)
    created = run_in_runtime(lambda runtime: _create_organization(runtime, name, api_version))
    if as_json:
        typer.echo(json.dumps({"id": created.id, "name": created.name, "apiVersion": created.api_version,
                               "keys": created.keys}, indent=2))
    else:
        _print_organization(created)


@app.command()
def serve(
    host: str = typer.Option(None, "--host", help="Interface to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, "--port", help="Port (default 8000)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes."),
    worker: bool = typer.Option(True, "--worker/--no-worker",
                                help="Run the background job runner inside the server (default)."),
) -> None:
    """Apply migrations, create a demo organization on first start, and serve the API."""
    if not worker:
        # Read by every server process's settings (uvicorn's --workers spawns fresh interpreters).
        os.environ["KOHORT_EMBEDDED_WORKER"] = "false"
        get_settings.cache_clear()
    settings = get_settings()
    setup_logging(settings)
    encryption_key(settings)  # create the development key (if needed) before the server processes start
    if not settings.encryption_key:
        typer.echo(f"No KOHORT_ENCRYPTION_KEY: using the development key in {dev_key_path(settings)}; live-mode "
                   "requests are refused (503 ENCRYPTION_KEY_REQUIRED) until it is set.", err=True)
    upgrade(settings.database_url)
    # Checks the encryption key against the database first: another key stops here, before any server starts.
    demo = run_in_runtime(_create_demo_if_empty)
    if demo is not None:
        typer.echo("First start: created a demo organization.")
        _print_organization(demo[0])
        typer.echo(f"Dashboard: http://{host or settings.host}:{port or settings.port}/dashboard/login")
        typer.echo(f"  email    {DEMO_LOGIN}")
        typer.echo(f"  password {demo[1]}  (shown only now; change it with `kohort users set-password`)")
    uvicorn.run(
        "kohort.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's records go through our handler (kohort.logs), one format for every line
        access_log=False,
        # uvicorn kills a server process that has not answered its health check 5 s after being spawned;
        # importing the app takes longer than that on a busy 2-core machine, which made it kill and respawn
        # every process forever.
        timeout_worker_healthcheck=60,
    )


async def _run_worker(runtime: Runtime, *, drain: bool, **overrides: Any) -> None:
    runner = Runner.configured(runtime, **overrides)
    if drain:
        await runner.drain()
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await runner.run(stop)


@app.command("worker")
def worker_command(
    drain: bool = typer.Option(False, "--drain", help="Do what is due now, then exit."),
    batch_size: int = typer.Option(None, "--batch-size", min=1, help="Jobs claimed per turn at most."),
    concurrency: int = typer.Option(None, "--concurrency", min=1, max=256, help="Jobs running at once."),
    sweep_batch_size: int = typer.Option(None, "--sweep-batch-size", min=1, help="Groups settled per transaction."),
    lease_seconds: float = typer.Option(None, "--lease-seconds", min=1, help="How long a claimed job stays ours "
                                        "without a heartbeat."),
    poll_interval: float = typer.Option(None, "--poll-interval", min=0.01, help="Idle wait between passes."),
    sweep_every: float = typer.Option(None, "--sweep-every", min=0.01, help="Seconds between idle sweeps (default 2)."),
    only: list[str] = typer.Option(
        [], "--only", help="Only job kinds and sweeps whose name starts with this (repeatable), e.g. "
        "--only referral_group for settlement, --only notify --only email for emails. Default: all."
    ),
) -> None:
    """Run background jobs and sweeps (settlement) until SIGTERM/SIGINT. Any number may run side by side
    on PostgreSQL. Expects a migrated database (`kohort db upgrade`)."""
    run_in_runtime(lambda runtime: _run_worker(
        runtime, drain=drain, batch_size=batch_size, concurrency=concurrency, sweep_batch_size=sweep_batch_size,
        lease_seconds=lease_seconds, poll_interval=poll_interval, sweep_every=sweep_every, only=tuple(only),
    ), pool_size=WORKER_POOL_SIZE)


async def _list_jobs(runtime: Runtime, status: str | None, kind: str | None, limit: int) -> list[dict[str, object]]:
    async with session_scope(runtime) as connection:
        found = await job_service.list_jobs(
            connection, status=JobStatus(status) if status is not None else None, kind=kind, limit=limit
        )
    return [
        {"id": job.id, "kind": job.kind, "status": job.status.value, "attempts": job.attempts,
         "maxAttempts": job.max_attempts, "runAt": iso_z(job.run_at), "createdAt": iso_z(job.created_at),
         "dedupeKey": job.dedupe_key, "lastError": job.last_error, "payload": job.payload}
        for job in found
    ]


@jobs_app.command("list")
def jobs_list(
    status: str = typer.Option(None, "--status", help=f"One of {', '.join(JobStatus)}."),
    kind: str = typer.Option(None, "--kind", help="Only jobs of this kind."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="One JSON document instead of a table."),
) -> None:
    """The newest jobs, e.g. `kohort jobs list --status dead` for the dead-letter queue."""
    if status is not None and status not in frozenset(JobStatus):
        raise typer.BadParameter(f"use one of {', '.join(JobStatus)}", param_hint="--status")
    found = run_in_runtime(lambda runtime: _list_jobs(runtime, status, kind, limit))
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for job in found:
        error = (str(job["lastError"] or "").splitlines() or [""])[-1][:80]
        typer.echo(f"{job['id']}  {job['status']:7}  {job['attempts']}/{job['maxAttempts']}  {job['kind']:28} "
                   f"{job['runAt']}  {error}")
    typer.echo(f"{len(found)} job(s)")


async def _retry_job(runtime: Runtime, job_id: str) -> bool:
    async with session_scope(runtime) as connection:
        return await job_service.retry_dead_job(connection, job_id, now=runtime.clock.now())


# Dead jobs revived per transaction: a long outage may have killed hundreds of thousands.
RETRY_BATCH = 5_000


async def _retry_dead_jobs(runtime: Runtime, kind: str | None) -> int:
    total = 0
    while True:
        async with session_scope(runtime) as connection:
            count = await job_service.retry_dead_batch(connection, kind=kind, now=runtime.clock.now(),
                                                       limit=RETRY_BATCH)
        if not count:
            return total
        total += count
        typer.echo(f"  {total} so far", err=True)


@jobs_app.command("retry")
def jobs_retry(
    job_id: str | None = typer.Argument(None, help="The id of a dead job."),
    retry_all: bool = typer.Option(False, "--all", help="Every dead job (of --kind, if given)."),
    kind: str | None = typer.Option(None, "--kind", help="With --all: only dead jobs of this kind, e.g. email.send."),
) -> None:
    """Put dead jobs back in the queue with a fresh set of attempts: one by id, or all of them
    (`kohort jobs retry --all --kind email.send` after a mail outage)."""
    if retry_all == (job_id is not None):
        raise typer.BadParameter("give either a job id or --all")
    if kind is not None and not retry_all:
        raise typer.BadParameter("--kind goes with --all", param_hint="--kind")
    if retry_all:
        count = run_in_runtime(lambda runtime: _retry_dead_jobs(runtime, kind))
        typer.echo(f"{count} dead job(s) queued again")
        return
    dead_id = job_id or ""
    if not run_in_runtime(lambda runtime: _retry_job(runtime, dead_id)):
        typer.echo(f"no dead job {job_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{job_id} queued")


if __name__ == "__main__":
    app()
