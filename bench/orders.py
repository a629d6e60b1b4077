"""Order throughput benchmark: orders/s of `POST /orders`, opening and joining groups, and the
**sustained** rate once every order's background work (emails, webhooks, settlement) is done.

It serves Kohort for real (`kohort serve --workers N`, a separate process tree) on PostgreSQL and on
SQLite, creates one organization with a webhook endpoint, raises its maxParticipants to 1000 (so no
group fills during the run), and drives the API with `wrk` (C, event-driven, one thread):

* open: orders without a share code; each is a new shopper who opens a new group;
* join: orders with a share code, spread round-robin over pre-opened groups; each is a new shopper.

Each run loads the API for `--duration` seconds, then keeps the clock running until no job is queued or
running, no event waits to be fanned out and no webhook delivery is pending (the drain):

    API orders/s = orders written / load time
    sustained    = orders written / (load time + drain time)

Emails go to a real SMTP server and webhooks to a real HTTP receiver, both in a process of their own
(`bench/sinks.py`): it counts what arrives and what arrives twice (which must be nothing). Two
deployments, each on both backends:

* embedded: `kohort serve --workers N`, the job runner inside each server process (the default);
* separate: `kohort serve --workers N --no-worker` and `--worker-processes` `kohort worker` processes.

Run it (needs `wrk`: `apt-get install -y wrk`; PostgreSQL on 127.0.0.1:5432, trust auth):

    .venv/bin/python bench/orders.py --help
    .venv/bin/python bench/orders.py                                   # both backends and deployments
    .venv/bin/python bench/orders.py --backend postgresql --deployments separate --concurrency 32

The PostgreSQL database `kohort_bench` is dropped and re-created for each deployment (`--postgres-url`
to point elsewhere, `--postgres-database` to name another; several people benchmarking on one server
each need their own); SQLite runs in a temporary directory. The load generator and the sinks share the
machine's cores with the server and the database. `cpu ms/ord` is the CPU time the server processes
(and workers) spent per order; in the separate deployment it is split into `api ms/ord` (the `kohort
serve` processes) and `bg ms/ord` (the `kohort worker` processes). `pg ms/ord` is the same for the
PostgreSQL backends of the bench database; the load average is printed beside the figures. Results are also appended as JSON lines to
bench/results/ (git-ignored). Nothing is asserted but the absence of duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from sinks import Sinks

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
KOHORT = Path(sys.executable).with_name("kohort")
# A cold start of several server processes on a busy 2-core machine can take a minute.
STARTUP_SECONDS = 180

# wrk runs this per connection-thread: it builds each request (a new shopper every time) and prints a
# machine-readable summary at the end. Arguments: mode, run id, API key, file of share codes (join).
WRK_SCRIPT = r"""
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

local mode, run_id, codes, headers
local counter = 0

function init(args)
  mode, run_id = args[1], args[2]
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[3]}
  codes = {}
  if mode == "join" then
    for line in io.lines(args[4]) do codes[#codes + 1] = line end
  end
end

function request()
  counter = counter + 1
  local email = string.format("%s-%d-%d@bench.example", run_id, tid, counter)
  local body
  if mode == "join" then
    local code = codes[(counter * 7 + tid * 131) % #codes + 1]
    body = string.format(
      '{"amount":12000,"customerEmail":"%s","customerFirstName":"Ann","customerLastName":"Lee",' ..
      '"paymentGroupShareId":"%s"}', email, code)
  else
    body = string.format(
      '{"amount":12000,"customerEmail":"%s","customerFirstName":"Ann","customerLastName":"Lee"}', email)
  end
  return wrk.format("POST", "/orders", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Result:
    backend: str
    deployment: str
    workers: int
    scenario: str
    concurrency: int
    requests: int
    seconds: float
    orders_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    socket_errors: int
    server_cpu_ms_per_order: float
    api_cpu_ms_per_order: float | None
    background_cpu_ms_per_order: float | None
    postgres_cpu_ms_per_order: float | None
    drain_seconds: float
    sustained_per_second: float
    emails: int
    emails_twice: int
    webhooks: int
    webhooks_twice: int
    load_average: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_json(method: str, url: str, *, key: str | None = None, body: dict | None = None,
              timeout: float = 10.0) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


async def _recreate_postgres_database(admin_url: str, name: str) -> None:
    import asyncpg  # installed with kohort

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def prepare_database(backend: str, args: argparse.Namespace, scratch: Path) -> str:
    if backend == "sqlite":
        scratch.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{scratch / 'bench.db'}"
    admin_url = args.postgres_url
    asyncio.run(_recreate_postgres_database(admin_url, args.postgres_database))
    head, _, _ = admin_url.rpartition("/")
    return f"{head}/{args.postgres_database}"


class Server:
    """`kohort serve` in its own process group, stopped (and its workers with it) on exit."""

    def __init__(self, database_url: str, workers: int, log_path: Path, *, embedded_worker: bool,
                 worker_processes: int = 0, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "KOHORT_DATABASE_URL": database_url, "KOHORT_LOG_LEVEL": "warning",
                    "KOHORT_PUBLIC_URL": self.base_url, **(env or {})}
        self.worker_processes = worker_processes
        self.job_workers: list[subprocess.Popen[bytes]] = []
        self.workers = workers
        self.embedded_worker = embedded_worker
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(KOHORT), "serve", "--port", str(self.port), "--workers", str(self.workers),
             *([] if self.embedded_worker else ["--no-worker"])],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"kohort serve exited early; its log ends with:\n{tail}")
            try:
                healthy = http_json("GET", f"{self.base_url}/health", timeout=2)[0] == 200
            except OSError:
                healthy = False
            if healthy:
                # Separate `kohort worker` processes, each in a session of its own: the server leads its own
                # session, and a process cannot join a process group of another session (EPERM). Their CPU
                # is counted with the server's (`process_groups`).
                self.job_workers = [
                    subprocess.Popen([str(KOHORT), "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
                    for _ in range(self.worker_processes)
                ]
                return self
            time.sleep(0.2)
        self.__exit__(None, None, None)
        # The scratch directory goes with the run: show the log's end here.
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"kohort serve not healthy after {STARTUP_SECONDS} s; its log ends with:\n{tail}")

    def cpu_seconds(self) -> tuple[float, float]:
        """User + system CPU time used so far by the API server's processes and by the separate `kohort
        worker` processes (Linux /proc), to tell the cost of an order apart from the throughput, which the
        other processes on the machine also shape. In the embedded deployment the second is 0: the runners
        are inside the server's processes."""
        assert self.process is not None
        worker_groups = {worker.pid for worker in self.job_workers}
        server_ticks = worker_ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue
            group = int(fields[2])  # process group id: the server and its workers, or one `kohort worker`
            if group == self.process.pid:
                server_ticks += int(fields[11]) + int(fields[12])
            elif group in worker_groups:
                worker_ticks += int(fields[11]) + int(fields[12])
        return server_ticks / os.sysconf("SC_CLK_TCK"), worker_ticks / os.sysconf("SC_CLK_TCK")

    def process_groups(self) -> set[int]:
        """The server's process group and each separate worker's (a session leader's group is its pid)."""
        assert self.process is not None
        return {self.process.pid, *(worker.pid for worker in self.job_workers)}

    def __exit__(self, *_: object) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        groups = self.process_groups()
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
            for worker in self.job_workers:
                worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            for group in groups:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=5)


def postgres_cpu_ticks(database: str) -> dict[int, int]:
    """CPU clock ticks used so far by each PostgreSQL backend serving `database` (same host, /proc)."""
    ticks = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres:") or f" {database} " not in title:
                continue
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks[int(proc.name)] = int(fields[11]) + int(fields[12])
    return ticks


def postgres_cpu_seconds_between(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU time of the backends alive at the end, since `before`. Background processes shared by all
    databases (WAL writer, checkpointer) are not counted, nor a backend that exited during the run (a
    pool's overflow connection), so this is a lower bound."""
    return sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / os.sysconf("SC_CLK_TCK")


def create_organization(database_url: str) -> str:
    """A fresh organization through the CLI (which also applies migrations); its sk_test key."""
    output = subprocess.run(
        [str(KOHORT), "orgs", "create", "--name", "Bench shop", "--json"],
        env={**os.environ, "KOHORT_DATABASE_URL": database_url, "KOHORT_LOG_LEVEL": "warning"},
        check=True, capture_output=True, timeout=120,
    ).stdout
    return str(json.loads(output)["keys"]["sk_test"])


def open_groups(server: Server, key: str, count: int, run_id: str) -> list[str]:
    codes = []
    for index in range(count):
        status, body = http_json("POST", f"{server.base_url}/orders", key=key, body={
            "amount": 12000, "customerEmail": f"{run_id}-owner-{index}@bench.example",
            "customerFirstName": "Owner", "customerLastName": "Bench"})
        if status != 201:
            raise RuntimeError(f"could not open a group: {status} {body}")
        codes.append(body["paymentGroupShareId"])
    return codes


def run_wrk(server: Server, script: Path, *, key: str, mode: str, concurrency: int, seconds: float,
            threads: int, codes_file: Path | None, show: bool = False) -> dict:
    run_id = f"{mode}{concurrency}x{secrets.token_hex(4)}"
    command = [
        "wrk", "-t", str(min(threads, concurrency)), "-c", str(concurrency), "-d", f"{seconds:g}s",
        "--timeout", "10s", "-s", str(script), f"{server.base_url}/orders",
        "--", mode, run_id, key, str(codes_file or ""),
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"BENCH_RESULT (\{.*\})", completed.stdout)
    if completed.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stdout}\n{completed.stderr}")
    if show:
        print(completed.stdout, end="", flush=True)
    return dict(json.loads(match.group(1)))


BACKLOG_SQL = (
    "SELECT (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running'))"
    " + (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')"
    " + (SELECT count(*) FROM events WHERE dispatched_at IS NULL)"
)


async def _wait_drained(database_url: str, timeout: float, poll: float) -> float:
    # One connection for the whole drain: a new PostgreSQL connection per poll is a new backend process
    # each time, work the benchmark would add to the machine it measures.
    started = time.monotonic()
    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.removeprefix("sqlite:///")
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)

        async def count() -> int:
            return int(connection.execute(BACKLOG_SQL).fetchone()[0])

        async def close() -> None:
            connection.close()
    else:
        import asyncpg  # installed with kohort

        pg_connection = await asyncpg.connect(database_url)

        async def count() -> int:
            return int(await pg_connection.fetchval(BACKLOG_SQL))

        async def close() -> None:
            await pg_connection.close()
    try:
        while time.monotonic() - started < timeout:
            if await count() == 0:
                return time.monotonic() - started
            await asyncio.sleep(poll)
        print(f"  (not drained after {timeout:g} s: {await count()} left)", flush=True)
        return timeout
    finally:
        await close()


def wait_drained(database_url: str, *, timeout: float, poll: float = 0.2) -> float:
    """Seconds until no background work is left (jobs queued or running, events not fanned out, webhook
    deliveries pending), polled every `poll` seconds on one connection, or `timeout` if it never is."""
    return asyncio.run(_wait_drained(database_url, timeout, poll))


def bench_deployment(backend: str, deployment: str, args: argparse.Namespace, script: Path,
                     scratch: Path) -> list[Result]:
    database_url = prepare_database(backend, args, scratch / deployment)
    key = create_organization(database_url)
    workers = args.sqlite_workers if backend == "sqlite" else args.workers
    database_name = args.postgres_database if backend == "postgresql" else ""
    results = []
    with Sinks(scratch / f"sinks-{backend}-{deployment}.log") as sinks, Server(
        database_url, workers, scratch / f"serve-{backend}-{deployment}.log",
        embedded_worker=deployment == "embedded",
        worker_processes=args.worker_processes if deployment == "separate" else 0,
        env={"KOHORT_EMAIL_BACKEND": "smtp", "KOHORT_SMTP_HOST": "127.0.0.1", "KOHORT_SMTP_PORT": str(sinks.smtp_port)},
    ) as server:
        status, body = http_json("PATCH", f"{server.base_url}/payment-group-settings", key=key,
                                 body={"maxParticipants": 1000})
        if status != 200:
            raise RuntimeError(f"could not set maxParticipants: {status} {body}")
        status, body = http_json("POST", f"{server.base_url}/webhook-endpoints", key=key, body={
            "url": f"http://127.0.0.1:{sinks.http_port}/hooks/bench-shop", "enabledEvents": ["*"]})
        if status != 201:
            raise RuntimeError(f"could not create the webhook endpoint: {status} {body}")
        codes_file = scratch / f"codes-{backend}-{deployment}.txt"
        codes_file.write_text("\n".join(open_groups(server, key, args.groups, secrets.token_hex(4))) + "\n")
        for scenario in args.scenarios:
            for concurrency in args.concurrency:
                common = {"key": key, "mode": scenario, "concurrency": concurrency, "threads": args.wrk_threads,
                          "codes_file": codes_file, "show": args.show_wrk}
                if args.warmup > 0:
                    run_wrk(server, script, seconds=args.warmup, **common)
                wait_drained(database_url, timeout=args.drain_timeout)
                received_before = sinks.stats()
                (api_before, background_before), pg_before = server.cpu_seconds(), postgres_cpu_ticks(database_name)
                raw = run_wrk(server, script, seconds=args.duration, **common)
                drain = wait_drained(database_url, timeout=args.drain_timeout)
                api_after, background_after = server.cpu_seconds()
                api_used, background_used = api_after - api_before, background_after - background_before
                cpu_used = api_used + background_used
                separate = deployment == "separate"
                pg_used = postgres_cpu_seconds_between(pg_before, postgres_cpu_ticks(database_name))
                received = sinks.stats()
                seconds = raw["duration_us"] / 1e6
                orders = raw["requests"] - raw["status_errors"]
                result = Result(
                    backend=backend, deployment=deployment, workers=workers, scenario=scenario,
                    concurrency=concurrency, requests=raw["requests"], seconds=round(seconds, 2),
                    orders_per_second=round(orders / seconds, 1),
                    p50_ms=raw["p50_us"] / 1000, p90_ms=raw["p90_us"] / 1000, p99_ms=raw["p99_us"] / 1000,
                    max_ms=raw["max_us"] / 1000, non_2xx=raw["status_errors"], socket_errors=raw["socket_errors"],
                    server_cpu_ms_per_order=round(cpu_used * 1000 / max(orders, 1), 2),
                    api_cpu_ms_per_order=round(api_used * 1000 / max(orders, 1), 2) if separate else None,
                    background_cpu_ms_per_order=round(background_used * 1000 / max(orders, 1), 2) if separate else None,
                    postgres_cpu_ms_per_order=round(pg_used * 1000 / max(orders, 1), 2) if database_name else None,
                    drain_seconds=round(drain, 2), sustained_per_second=round(orders / (seconds + drain), 1),
                    emails=received["messages"] - received_before["messages"], emails_twice=received["messages_twice"],
                    webhooks=received["deliveries"] - received_before["deliveries"],
                    webhooks_twice=received["deliveries_twice"], load_average=round(os.getloadavg()[0], 2),
                )
                print(f"  {backend:10} {deployment:8} {scenario:4} c={concurrency:<3} API {result.orders_per_second:7.1f}/s"
                      f"  drain {result.drain_seconds:6.1f} s  sustained {result.sustained_per_second:7.1f}/s"
                      f"  emails {result.emails} (twice {result.emails_twice})  webhooks {result.webhooks} "
                      f"(twice {result.webhooks_twice})  p99 {result.p99_ms:.0f} ms  non-2xx {result.non_2xx}"
                      f"  cpu {result.server_cpu_ms_per_order:.2f} ms/ord"
                      + (f" (api {result.api_cpu_ms_per_order:.2f}, bg {result.background_cpu_ms_per_order:.2f})"
                         if separate else "")
                      + (f", pg {result.postgres_cpu_ms_per_order:.2f}" if database_name else "")
                      + f"  load {result.load_average}", flush=True)
                results.append(result)
    return results


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_table(results: list[Result]) -> None:
    header = (f"{'backend':10} {'deploy':8} {'workers':>7} {'scenario':8} {'clients':>7} {'orders':>7} {'API/s':>7} "
              f"{'drain s':>7} {'sustained':>9} {'p99 ms':>7} {'non-2xx':>7} {'emails':>7} {'twice':>5} "
              f"{'hooks':>7} {'twice':>5} {'cpu ms/ord':>10} {'api ms/ord':>10} {'bg ms/ord':>9} {'pg ms/ord':>9} "
              f"{'load':>5}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.backend:10} {r.deployment:8} {r.workers:>7} {r.scenario:8} {r.concurrency:>7} {r.requests:>7} "
              f"{r.orders_per_second:>7.1f} {r.drain_seconds:>7.1f} {r.sustained_per_second:>9.1f} {r.p99_ms:>7.1f} "
              f"{r.non_2xx:>7} {r.emails:>7} {r.emails_twice:>5} {r.webhooks:>7} {r.webhooks_twice:>5} "
              f"{r.server_cpu_ms_per_order:>10.2f} {_figure(r.api_cpu_ms_per_order):>10} "
              f"{_figure(r.background_cpu_ms_per_order):>9} "
              f"{_figure(r.postgres_cpu_ms_per_order):>9} "
              f"{r.load_average:>5.2f}")


def print_chart(results: list[Result], width: int = 50) -> None:
    top = max((r.orders_per_second for r in results), default=1) or 1
    print(f"sustained orders/s (#) within API orders/s (.) (each character = {top / width:.0f} orders/s)")
    for r in results:
        label = f"{r.backend} {r.deployment} {r.scenario} c={r.concurrency}"
        sustained = max(1, round(r.sustained_per_second / top * width))
        api = max(sustained, round(r.orders_per_second / top * width))
        print(f"  {label:34} |{'#' * sustained + '.' * (api - sustained):<{width}}| {r.sustained_per_second:7.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="kohort serve --workers on PostgreSQL (default 2)")
    parser.add_argument("--sqlite-workers", type=int, default=1,
                        help="kohort serve --workers on SQLite (default 1: SQLite has one writer at a time, "
                             "and processes wait for it in SQLite's busy handler)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[32],
                        help="concurrent clients (keep-alive connections), one run each (default 32)")
    parser.add_argument("--deployments", nargs="+", choices=["embedded", "separate"], default=["embedded", "separate"],
                        help="embedded: runners inside `kohort serve`; separate: `--no-worker` and `kohort worker` "
                             "processes (default both)")
    parser.add_argument("--worker-processes", type=int, default=1,
                        help="`kohort worker` processes in the separate deployment (default 1)")
    parser.add_argument("--drain-timeout", type=float, default=600.0,
                        help="give up waiting for the background work after this many seconds (default 600)")
    parser.add_argument("--scenarios", nargs="+", choices=["open", "join"], default=["open", "join"])
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per run (default 15)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run (default 2)")
    parser.add_argument("--groups", type=int, default=200, help="groups pre-opened for the join runs (default 200)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1: one core is plenty)")
    parser.add_argument("--show-wrk", action="store_true", help="also print wrk's own report of each run")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "KOHORT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="an admin connection; the bench database is created on that server")
    parser.add_argument("--postgres-database", default="kohort_bench")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    if not KOHORT.exists():
        print(f"{KOHORT} not found: run bash scripts/install and use .venv/bin/python", file=sys.stderr)
        return 2

    backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"Kohort order benchmark {started}, commit {commit}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {args.workers} server worker(s) on PostgreSQL, {args.sqlite_workers} on SQLite, wrk {args.wrk_threads} thread(s), "
          f"{args.duration:g}s of load per run after {args.warmup:g}s warm-up, load average "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="kohort-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        script = scratch / "orders.lua"
        script.write_text(WRK_SCRIPT)
        for backend in backends:
            for deployment in args.deployments:
                results.extend(bench_deployment(backend, deployment, args, script, scratch))
    print()
    print_table(results)
    print()
    print_chart(results)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with (RESULTS_DIR / "orders.jsonl").open("a") as log:
        for result in results:
            log.write(json.dumps({"started": started, "commit": commit, **asdict(result)}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
