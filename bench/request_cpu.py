"""CPU of the `POST /orders` request itself, measured in process: the application (as `kohort serve`
builds it, rate limits on, no job runner) is called over ASGI directly, without a socket or an HTTP
client, so nearly all of the process's CPU time is the request path's. Figures are per order:

    cpu ms/ord   process CPU time (user + system) / orders, the least of `--repeat` runs
    stmts/ord    statements sent to the database per order (BEGIN and COMMIT included)

Unlike bench/orders.py, this does not depend on the machine's load (CPU time, one process), so it is
the figure to follow while changing the request path. `--profile FILE` writes a cProfile of the
measured requests (open it with `python -m pstats FILE`).

    .venv/bin/python bench/request_cpu.py --backend postgresql --scenario join
    .venv/bin/python bench/request_cpu.py --backend sqlite --scenario open --orders 3000

The PostgreSQL database (`--postgres-database`, default kohort_bench_request) is dropped and created
again; SQLite runs in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from orders import _recreate_postgres_database

os.environ.setdefault("KOHORT_ENCRYPTION_KEY", "YmVuY2gta2V5LWZvci1rb2hvcnQtcmVxdWVzdC1jcHU=")

from kohort.app import create_app
from kohort.config import Settings
from kohort.migrate import upgrade_async
from kohort.organization import service as organization_service
from kohort.runtime import build_runtime


async def call(app: Any, method: str, path: str, key: str, body: bytes) -> tuple[int, bytes]:
    """One request through the ASGI app, as uvicorn would make it (minus the socket)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {key}".encode()), (b"content-length", str(len(body)).encode())],
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def order_body(email: str, code: str | None) -> bytes:
    body = {"amount": 12000, "customerEmail": email, "customerFirstName": "Ann", "customerLastName": "Lee"}
    if code:
        body["paymentGroupShareId"] = code
    return json.dumps(body, separators=(",", ":")).encode()


async def run(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    await upgrade_async(database_url)
    runtime = build_runtime(Settings(database_url=database_url, embedded_worker=False))
    async with runtime.database.transaction() as connection:
        created = await organization_service.create_organization(connection, name="Bench shop")
    key = created.keys["sk_test"]
    app = create_app(runtime=runtime)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    def count_begin(connection: Any) -> None:
        # PostgreSQL: BEGIN is a round trip of the driver's, unless the connection is in autocommit.
        # SQLite: the begin hook's BEGIN IMMEDIATE goes through the cursor, counted there.
        if not runtime.database.is_sqlite and connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            count()

    async with app.router.lifespan_context(app):
        status, answer = await call(app, "PATCH", "/payment-group-settings", key, b'{"maxParticipants":1000}')
        assert status == 200, answer
        codes = []
        for index in range(args.groups):
            status, answer = await call(app, "POST", "/orders", key, order_body(f"owner{index}@bench.example", None))
            assert status == 201, answer
            codes.append(json.loads(answer)["paymentGroupShareId"])

        async def client(number: int, orders: int, prefix: str) -> None:
            for index in range(orders):
                code = codes[(index * 7 + number * 131) % len(codes)] if args.scenario == "join" else None
                status, answer = await call(app, "POST", "/orders", key,
                                            order_body(f"{prefix}-{number}-{index}@bench.example", code))
                assert status == 201, answer

        async def load(orders: int, prefix: str) -> None:
            per_client = orders // args.concurrency
            await asyncio.gather(*(client(number, per_client, prefix) for number in range(args.concurrency)))

        await load(args.warmup, "warm")
        orders = args.orders // args.concurrency * args.concurrency
        engine = runtime.database.engine.sync_engine
        if args.statements:
            event.listen(engine, "before_cursor_execute", count)
            event.listen(engine, "begin", count_begin)
            event.listen(engine, "commit", count)
        # CPU time grows with the machine's load (caches, shared cores): the least of several runs is the
        # figure that compares.
        runs = []
        print(f"measuring (pid {os.getpid()})", file=sys.stderr, flush=True)  # for a sampling profiler
        for repeat in range(args.repeat):
            cpu, wall = time.process_time(), time.perf_counter()
            await load(orders, f"run{repeat}")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            runs.append((round(cpu * 1000 / orders, 3), round(orders / wall, 1)))
        calls = None
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await load(orders, "profiled")
            profiler.disable()
            profiler.dump_stats(args.profile)
            calls = round(sum(count for _, count in pstats_calls(profiler)) / orders)
    await runtime.close()
    return {"orders": orders, "cpu_ms_per_order": min(run[0] for run in runs),
            "runs": [run[0] for run in runs], "orders_per_second": max(run[1] for run in runs),
            "statements_per_order": round(statements / orders / (args.repeat + bool(args.profile)), 2)
            if args.statements else None, "calls_per_order": calls}


def pstats_calls(profiler: cProfile.Profile) -> list[tuple[Any, int]]:
    """(function, primitive calls) of a profile."""
    import pstats

    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return [(function, entry[1]) for function, entry in stats.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--scenario", choices=["open", "join"], default="join")
    parser.add_argument("--orders", type=int, default=2000, help="measured orders (default 2000)")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured orders first (default 300)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--groups", type=int, default=100, help="groups opened for the join scenario")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs; the least CPU is kept (default 3)")
    parser.add_argument("--statements", action="store_true",
                        help="also count statements (an event listener, which costs a little CPU itself)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the measured requests")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "KOHORT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--postgres-database", default="kohort_bench_request")
    args = parser.parse_args()
    import uvloop  # what uvicorn runs `kohort serve` on

    with tempfile.TemporaryDirectory(prefix="kohort-request-") as scratch:
        if args.backend == "sqlite":
            url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        else:
            asyncio.run(_recreate_postgres_database(args.postgres_url, args.postgres_database))
            head, _, _ = args.postgres_url.rpartition("/")
            url = f"{head}/{args.postgres_database}"
        result = uvloop.run(run(args, url))
    print(f"{args.backend} {args.scenario} c={args.concurrency}: {result['orders']} orders, "
          f"{result['cpu_ms_per_order']:.3f} ms CPU/ord (runs {result['runs']}), {result['orders_per_second']}/s"
          + (f", {result['statements_per_order']} statements/ord" if args.statements else "")
          + (f", {result['calls_per_order']} Python calls/ord (profiled)" if args.profile else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
