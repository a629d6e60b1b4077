"""Two `kohort worker` processes and a mail server slower than the lease: every queued email reaches the
server exactly once (PostgreSQL: real concurrency across processes)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from kohort.db import Database
from kohort.email.outbox import dedupe_key
from kohort.models import JobStatus, jobs
from kohort.runtime import Runtime
from tests.factories.merchant import unique_email
from tests.factories.smtp import smtp_server

KOHORT = Path(sys.executable).parent / "kohort"
JOBS = 24
# Not shorter: on a 2-core machine shared with other test runs, a worker process can stall for a second or
# two, and a lease shorter than a stall cannot be kept by any heartbeat.
LEASE_SECONDS = 4.0
SMTP_DELAY_SECONDS = 6.0  # longer than the lease: only the heartbeat keeps a job with its worker
BOUND_SECONDS = 120.0


def context() -> dict[str, object]:
    return {"brand": {"name": "Slow shop", "color": "ED395E", "logo_url": None, "livemode": False},
            "first_name": "Ann", "cashback": 300, "withdrawal_url": "http://x/w/ord_1?token=ab",
            "order": {"id": "ord_1", "amount": 3000, "created_at": None}}


async def test_two_workers_and_a_slow_mail_server_send_each_email_once(
    postgres_only: str, database: Database, runtime: Runtime, tmp_path: Path
) -> None:
    recipients = [unique_email() for _ in range(JOBS)]
    with smtp_server(delay=SMTP_DELAY_SECONDS) as (inbox, port):
        async with database.transaction() as connection:
            for index, to in enumerate(recipients):
                assert await runtime.outbox.enqueue(connection, kind="cashback_available", event_id=f"ord_slow_{index}",
                                                    to=to, locale="en_US", context=context())
        environment = {**os.environ, "KOHORT_DATABASE_URL": database.url, "KOHORT_EMAIL_BACKEND": "smtp",
                       "KOHORT_SMTP_HOST": "127.0.0.1", "KOHORT_SMTP_PORT": str(port), "KOHORT_LOG_LEVEL": "warning"}
        # Small batches so that both workers take a share while the first ones are still sending.
        command = [str(KOHORT), "worker", "--only", "email.send", "--lease-seconds", str(LEASE_SECONDS),
                   "--batch-size", "4", "--concurrency", "4", "--poll-interval", "0.05"]
        workers = [subprocess.Popen(command, env=environment, stdout=(tmp_path / f"worker{n}.log").open("wb"),
                                    stderr=subprocess.STDOUT) for n in range(2)]
        try:
            async with asyncio.timeout(BOUND_SECONDS):
                while len(await _done_jobs(database, recipients)) < JOBS:
                    await asyncio.sleep(0.2)
        finally:
            for worker in workers:  # a stopping worker finishes and records what it is sending
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=60)
        received = Counter(message["To"] for message in inbox.messages if message["To"] in recipients)
    assert received == Counter(recipients)  # each once, none twice
    assert len(set((await _done_jobs(database, recipients)).values())) == 2  # both worked


async def _done_jobs(database: Database, recipients: list[str]) -> dict[str, str]:
    """Done email jobs of this test: job id → the worker that ran it."""
    async with database.transaction() as connection:
        rows = (await connection.execute(
            select(jobs.c.id, jobs.c.locked_by, jobs.c.dedupe_key)
            .where(jobs.c.kind == "email.send", jobs.c.status == JobStatus.DONE, jobs.c.dedupe_key.like("%ord_slow_%"))
        )).all()
    wanted = {dedupe_key("cashback_available", f"ord_slow_{index}", to) for index, to in enumerate(recipients)}
    return {row.id: row.locked_by for row in rows if row.dedupe_key in wanted}

