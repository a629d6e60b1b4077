"""Settlement benchmark (not a test): how long do 1 and 2 `kohort worker` processes take to settle N due
groups of three orders each, on PostgreSQL?

    .venv/bin/python bench/settlement.py [--sizes 1000,10000,100000] [--workers 1,2] [--batch 1000]
                                         [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

For each size it builds a scratch database (`--database`, default `kohort_settlement_bench`, dropped at the
end; give each concurrent run its own name), bulk-inserts
N groups with three orders each (owner + two joiners with fees) directly in SQL, starts the workers,
waits until they are idle, then makes every group due in one statement and times until none is OPEN.
Afterwards it checks the books: one posting per group, the ledger audit finds nothing wrong.

With `--email-workers N` it also starts an SMTP sink (`bench/sinks.py`, its own process) and N
`kohort worker --only notify --only email` processes sending to it, and times until every "cashback
available" email is handed to the sink (no job left queued or running), counting any sent twice. The
emails' time runs from the moment every group became due (settlement included) to the moment the queue
is empty; beside it, the CPU time per email of the email workers, of the sink and of PostgreSQL's backends
serving the scratch database (settlement included), measured from /proc:

    .venv/bin/python bench/settlement.py --sizes 100000 --workers 1 --email-workers 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from orders import postgres_cpu_seconds_between, postgres_cpu_ticks
from sinks import Sinks
from sqlalchemy.engine import make_url

from kohort.db import Database
from kohort.ledger import audit
from kohort.migrate import upgrade_async
from kohort.organization import service as organization_service

ROOT = Path(__file__).resolve().parents[1]
KOHORT = ROOT / ".venv" / "bin" / "kohort"
DATABASE = "kohort_settlement_bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ORGANIZATIONS = 4
LEVELS = '[{"level": 1, "participantsToUnlock": 2, "value": 5}, {"level": 2, "participantsToUnlock": 3, "value": 10}]'


async def admin(url: str, sql: str) -> None:
    parsed = make_url(url)
    connection = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                       password=parsed.password, database=parsed.database)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def fresh_database(admin_url: str, name: str) -> str:
    await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await upgrade_async(url)
    return url


async def populate(url: str, groups: int) -> list[str]:
    """N OPEN groups (not yet due) of three orders, spread over a few organizations, in set-based SQL."""
    database = Database(url, pool_size=1)
    try:
        organization_ids = []
        async with database.transaction() as connection:
            for index in range(ORGANIZATIONS):
                created = await organization_service.create_organization(connection, name=f"Bench {index}")
                organization_ids.append(created.id)
    finally:
        await database.dispose()
    parsed = make_url(url)
    connection = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                       database=parsed.database)
    try:
        await connection.execute("""
            CREATE TEMP TABLE bench_orgs AS
            SELECT (ordinality - 1)::int AS slot, id FROM unnest($1::text[]) WITH ORDINALITY AS t(id)
        """, organization_ids)
        await connection.execute(f"""
            INSERT INTO customers (id, organization_id, livemode, email_address, email_key, locale, is_blocked,
                                   created_at, updated_at, first_name, last_name)
            SELECT 'cus_b' || c, o.id, false, 'c' || c || '@bench.test', 'c' || c || '@bench.test', 'fr_FR', false,
                   now(), now(), 'Ann', 'Lee'
            FROM generate_series(1, {3 * groups}) AS c
            JOIN bench_orgs o ON o.slot = ((c - 1) / 3) % {ORGANIZATIONS}
        """)
        await connection.execute(f"""
            INSERT INTO payment_groups (id, organization_id, livemode, share_id, share_key, customer_id, status,
                expires_at, reminder_email_sent, participant_count, settings_id, discount_type, discount_levels,
                max_participants, minutes_duration, min_purchase_value, created_at, updated_at)
            SELECT 'pg_b' || g, o.id, false, 'KHT-test-B' || g, 'KHT-TEST-B' || g, 'cus_b' || (3 * g - 2), 'OPEN',
                   now() + interval '1 day', 'NOT_SENT', 3, 'pgset_b' || g, 'PERCENTAGE', '{LEVELS}'::jsonb,
                   15, 10080, 0, now(), now()
            FROM generate_series(1, {groups}) AS g
            JOIN bench_orgs o ON o.slot = (g - 1) % {ORGANIZATIONS}
        """)
        # Amounts vary so rounding happens; joiners carry the 10 % fee + 20 % VAT, each rounded half-up.
        await connection.execute(f"""
            INSERT INTO orders (id, organization_id, livemode, amount, application_fee_amount,
                application_fee_basis_points, customer_id, payment_group_id, payment_group_share_id, currency,
                locale, status, risk_level, created_at, updated_at)
            SELECT 'ord_b' || n, o.id, false, a.amount,
                   CASE WHEN n % 3 = 1 THEN 0
                        ELSE round(a.amount * 0.10) + round(round(a.amount * 0.10) * 0.20) END,
                   CASE WHEN n % 3 = 1 THEN NULL ELSE 1000 END,
                   'cus_b' || n, 'pg_b' || ((n + 2) / 3), 'KHT-test-B' || ((n + 2) / 3), 'EUR', 'fr_FR', 'CREATED',
                   'LOW', now() + n * interval '1 microsecond', now()
            FROM generate_series(1, {3 * groups}) AS n
            CROSS JOIN LATERAL (SELECT 1000 + (n::bigint * 7919) % 49000 AS amount) a
            JOIN bench_orgs o ON o.slot = ((n + 2) / 3 - 1) % {ORGANIZATIONS}
        """)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return organization_ids


@dataclass
class Timings:
    settled_seconds: float
    postings: int
    # None without email workers.
    emails_seconds: float | None = None
    emails: int = 0
    emails_twice: int = 0
    # CPU seconds from "every group is due" to "no email left", per kind of process.
    email_workers_cpu: float = 0.0
    sink_cpu: float = 0.0
    postgres_cpu: float = 0.0


async def run(url: str, workers: int, batch: int, email_workers: int, scratch: Path) -> Timings:
    """Seconds from "every group is due" to "none is OPEN" (and, with email workers, to "every email is
    handed to the SMTP sink"), and the number of postings."""
    parsed = make_url(url)
    connection = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                       database=parsed.database)
    with contextlib.ExitStack() as stack:
        environment = {**os.environ, "KOHORT_DATABASE_URL": url, "KOHORT_LOG_LEVEL": "warning"}
        sinks = stack.enter_context(Sinks(scratch / "sinks.log")) if email_workers else None
        processes = [
            # Settlement workers (`--only referral_group`): the "cashback available" emails each batch queues
            # are left to email workers, as a deployment would split them.
            subprocess.Popen([str(KOHORT), "worker", "--only", "referral_group", "--sweep-batch-size", str(batch),
                              "--sweep-every", "0.05"],
                             env=environment, start_new_session=True)
            for _ in range(workers)
        ]
        if sinks is not None:
            mail = {**environment, "KOHORT_EMAIL_BACKEND": "smtp", "KOHORT_SMTP_HOST": "127.0.0.1",
                    "KOHORT_SMTP_PORT": str(sinks.smtp_port)}
            processes += [subprocess.Popen([str(KOHORT), "worker", "--only", "notify", "--only", "email"],
                                           env=mail, start_new_session=True) for _ in range(email_workers)]
        try:
            await asyncio.sleep(3)  # imports and first (empty) sweeps
            # Every group becomes due when this commits; the clock starts then (the workers may start a few
            # milliseconds earlier, which is negligible next to the seconds measured).
            mailers = processes[workers:]
            cpu_before = [process_cpu_seconds(process.pid) for process in mailers]
            sink_before = process_cpu_seconds(sinks.process.pid) if sinks is not None and sinks.process else 0.0
            postgres_before = postgres_cpu_ticks(parsed.database or "")
            await connection.execute("UPDATE payment_groups SET expires_at = now() - interval '1 second'")
            started = time.perf_counter()
            deadline = started + 600
            # A cheap probe every 20 ms, not a count: counting 100 000 rows that often would load the server.
            await _wait_until_none(connection, "SELECT EXISTS (SELECT 1 FROM payment_groups WHERE status = 'OPEN')",
                                   deadline=deadline, pause=0.02)
            timings = Timings(settled_seconds=time.perf_counter() - started,
                              postings=await connection.fetchval("SELECT count(*) FROM ledger_transactions"))
            if sinks is not None:
                # Done when no event waits for the email consumer and no email job is queued or running (a
                # moment with no job left can come before the consumer has queued the last events' emails).
                await _wait_until_none(
                    connection, "SELECT EXISTS (SELECT 1 FROM events WHERE notified_at IS NULL)"
                    " OR EXISTS (SELECT 1 FROM jobs WHERE status IN ('queued', 'running'))",
                    deadline=deadline, pause=0.2,
                )
                received = sinks.stats()
                timings.emails_seconds = time.perf_counter() - started
                timings.emails, timings.emails_twice = received["messages"], received["messages_twice"]
                timings.email_workers_cpu = sum(process_cpu_seconds(process.pid) - before
                                                for process, before in zip(mailers, cpu_before, strict=True))
                assert sinks.process is not None
                timings.sink_cpu = process_cpu_seconds(sinks.process.pid) - sink_before
                timings.postgres_cpu = postgres_cpu_seconds_between(postgres_before,
                                                                    postgres_cpu_ticks(parsed.database or ""))
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            await connection.close()
    return timings


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by one process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def _wait_until_none(connection: asyncpg.Connection, probe: str, *, deadline: float, pause: float) -> None:
    while await connection.fetchval(probe):
        if time.perf_counter() > deadline:
            raise TimeoutError("not done in 10 minutes")
        await asyncio.sleep(pause)


async def check_books(url: str) -> list[str]:
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as connection:
            return await audit.violations(connection)
    finally:
        await database.dispose()


def chart(results: list[tuple[int, int, float]]) -> str:
    widest = max(per_group for _, _, per_group in results)
    lines = ["µs per group (flat = cost independent of N)"]
    for groups, workers, per_group in results:
        bar = "#" * max(1, round(40 * per_group / widest))
        lines.append(f"  N={groups:>7,} w={workers}  {bar} {per_group:,.0f}")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--batch", type=int, default=1000, help="groups settled per transaction")
    parser.add_argument("--email-workers", type=int, default=0,
                        help="also send the emails: this many `kohort worker` processes for them (default 0)")
    parser.add_argument("--database", default=DATABASE,
                        help="the scratch database's name (created, then dropped; default %(default)s)")
    parser.add_argument("--admin-url", default=os.environ.get("KOHORT_TEST_POSTGRES_URL",
                                                              "postgresql://postgres@127.0.0.1:5432/postgres"))
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    worker_counts = [int(count) for count in options.workers.split(",")]

    results = []
    print(f"{'groups':>8} {'orders':>8} {'workers':>7} {'seconds':>8} {'groups/s':>9} {'µs/group':>9}  books"
          + ("  emails sent by (s)  emails  twice  emails/s  cpu ms/email: workers sink pg"
             if options.email_workers else "")
          + f"   (load average {os.getloadavg()[0]:.2f})")
    try:
        for groups in sizes:
            for workers in worker_counts:
                url = await fresh_database(options.admin_url, options.database)
                await populate(url, groups)
                with tempfile.TemporaryDirectory(prefix="kohort-settlement-") as scratch:
                    timings = await run(url, workers, options.batch, options.email_workers, Path(scratch))
                violations = await check_books(url)
                elapsed, postings = timings.settled_seconds, timings.postings
                books = "ok" if postings == groups and not violations else f"WRONG ({postings} postings, {violations[:3]})"
                per_group = elapsed / groups * 1e6
                results.append((groups, workers, per_group))
                per_email = 1000 / max(timings.emails, 1)
                emails = ("" if timings.emails_seconds is None else
                          f"  {timings.emails_seconds:>18.1f}  {timings.emails:>6}  {timings.emails_twice:>5}"
                          f"  {timings.emails / timings.emails_seconds:>8.0f}"
                          f"  {timings.email_workers_cpu * per_email:>20.2f} {timings.sink_cpu * per_email:.2f}"
                          f" {timings.postgres_cpu * per_email:.2f}")
                print(f"{groups:>8,} {3 * groups:>8,} {workers:>7} {elapsed:>8.2f} {groups / elapsed:>9,.0f} "
                      f"{per_group:>9,.0f}  {books}{emails}", flush=True)
    finally:
        await admin(options.admin_url, f'DROP DATABASE IF EXISTS "{options.database}" WITH (FORCE)')
    print()
    print(chart(results))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
