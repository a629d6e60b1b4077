"""Dashboard home benchmark (not a test): how long do the home page's figures take on a merchant with
N orders (default 1 000 000) spread over a year, on PostgreSQL?

    .venv/bin/python bench/dashboard_home.py [--orders 1000000] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

It builds a scratch database (`kohort_dashboard_bench`, dropped at the end), bulk-inserts groups of three
orders (owner + two joiners with fees) over the last 365 days in set-based SQL, two groups in three
completed with their ledger entries (cashback and fee expenses), the rest expired, then times
`reporting.service.figures` for the last 30 days and for the whole year, three runs each. The first run
of a period computes the days it has not kept yet (`daily_figures`) and keeps them; the next ones read them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import timedelta

import asyncpg
from sqlalchemy.engine import make_url

from kohort.db import Database
from kohort.kit import clock
from kohort.migrate import upgrade_async
from kohort.organization import service as organization_service
from kohort.reporting import service as reporting_service
from kohort.reporting.domain import Period
from kohort.tenant import Tenant

DATABASE = "kohort_dashboard_bench"
LEVELS = '[{"level": 1, "participants_to_unlock": 2, "value": 5}, {"level": 2, "participants_to_unlock": 3, "value": 10}]'


async def admin(url: str, sql: str) -> None:
    parsed = make_url(url)
    connection = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                       password=parsed.password, database=parsed.database)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def populate(url: str, orders: int) -> str:
    database = Database(url, pool_size=1)
    try:
        async with database.transaction() as connection:
            organization_id = (await organization_service.create_organization(connection, name="Bench")).id
    finally:
        await database.dispose()
    groups = orders // 3
    parsed = make_url(url)
    connection = await asyncpg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                                       password=parsed.password, database=parsed.database)
    try:
        steps = [
            ("customers", f"""
            INSERT INTO customers (id, organization_id, livemode, email_address, email_key, locale, is_blocked,
                                   created_at, updated_at)
            SELECT 'cus_b' || c, $1::varchar(40), true, 'c' || c || '@bench.test', 'c' || c || '@bench.test', 'fr_FR', false,
                   now(), now()
            FROM generate_series(1, {3 * groups}) AS c"""),
            # Group g opens at a moment of the last year; two in three complete a day later, the others expire.
            ("groups", f"""
            INSERT INTO payment_groups (id, organization_id, livemode, share_id, share_key, customer_id, status,
                expires_at, completed_at, reminder_email_sent, participant_count, settings_id, discount_type,
                discount_levels, max_participants, minutes_duration, min_purchase_value, created_at, updated_at)
            SELECT 'pg_b' || g, $1::varchar(40), true, 'KHT-B' || g, 'KHT-B' || g, 'cus_b' || (3 * g - 2),
                   CASE WHEN g % 3 = 0 THEN 'EXPIRED' ELSE 'COMPLETED' END, t.opened + interval '1 day',
                   CASE WHEN g % 3 = 0 THEN NULL ELSE t.opened + interval '1 day' END, 'NOT_SENT',
                   CASE WHEN g % 3 = 0 THEN 1 ELSE 3 END, 'pgset_b' || g, 'PERCENTAGE', '{LEVELS}'::jsonb,
                   15, 1440, 0, t.opened, t.opened
            FROM generate_series(1, {groups}) AS g
            CROSS JOIN LATERAL (SELECT now() - interval '366 days' + (g::float / {groups}) * interval '365 days'
                                AS opened) t"""),
            ("orders", f"""
            INSERT INTO orders (id, organization_id, livemode, amount, amount_cashback, application_fee_amount,
                customer_id, payment_group_id, payment_group_share_id, currency, locale, status, risk_level,
                created_at, updated_at)
            SELECT 'ord_b' || n, $1::varchar(40), true, a.amount, round(a.amount * 0.10),
                   CASE WHEN n % 3 = 1 THEN 0 ELSE round(a.amount * 0.10) + round(round(a.amount * 0.10) * 0.20) END,
                   'cus_b' || n, 'pg_b' || ((n + 2) / 3), 'KHT-B' || ((n + 2) / 3), 'EUR', 'fr_FR',
                   'CASHBACK_AVAILABLE', 'LOW', pg.created_at + (n % 3) * interval '1 hour', now()
            FROM generate_series(1, {3 * groups}) AS n
            JOIN payment_groups pg ON pg.id = 'pg_b' || ((n + 2) / 3)
            CROSS JOIN LATERAL (SELECT 1000 + (n::bigint * 7919) % 49000 AS amount) a"""),
            ("ledger", """
            INSERT INTO ledger_entries (transaction_id, line, organization_id, livemode, account, order_id, amount,
                                        created_at)
            SELECT 'ltx_' || o.id, k.line, $1::varchar(40), true, k.account, o.id,
                   CASE WHEN k.line = 1 THEN o.amount_cashback ELSE o.application_fee_amount END, pg.completed_at
            FROM orders o JOIN payment_groups pg ON pg.id = o.payment_group_id AND pg.status = 'COMPLETED'
            CROSS JOIN (VALUES (1, 'cashback_expense'), (2, 'acquisition_fee_expense')) AS k(line, account)
            WHERE o.organization_id = $1::varchar(40)"""),
        ]
        for name, sql in steps:
            started = time.perf_counter()
            await connection.execute(sql, organization_id)
            print(f"  inserted {name} in {time.perf_counter() - started:.1f} s", flush=True)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return organization_id


async def main(orders: int, admin_url: str) -> None:
    await admin(admin_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await admin(admin_url, f'CREATE DATABASE "{DATABASE}"')
    url = make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)
        print(f"populating {orders:,} orders…", flush=True)
        organization_id = await populate(url, orders)
        tenant = Tenant(organization_id, True)
        today = clock.now().date()
        database = Database(url, pool_size=1)
        try:
            for label, days in (("last 30 days", 30), ("last 365 days", 365)):
                period = Period(today - timedelta(days=days - 1), today)
                for run in range(3):
                    started = time.perf_counter()
                    async with database.transaction() as connection:
                        figures = await reporting_service.figures(connection, tenant, period)
                    elapsed = time.perf_counter() - started
                    print(f"{label:14} run {run + 1}: {elapsed * 1000:8.1f} ms  ({figures.orders:,} orders, "
                          f"{figures.groups_ended:,} groups ended, cashback {figures.cashback_promised:,} cents)")
        finally:
            await database.dispose()
    finally:
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.admin_url))
