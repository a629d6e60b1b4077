"""A real Kohort server process on a free loopback port, for end-to-end and concurrency tests."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
KOHORT = Path(sys.executable).parent / "kohort"
STARTUP_POLLS = 600  # × 0.1 s: a generous bound for a cold start on a loaded CI machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(port: int, workers: int, embedded_worker: bool) -> list[str]:
    command = [str(KOHORT), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if not embedded_worker:
        command.append("--no-worker")
    return command


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@asynccontextmanager
async def running_server(env: dict[str, str], *, workers: int = 1, embedded_worker: bool = True,
                         log_path: Path) -> AsyncIterator[str]:
    """`kohort serve` with `env` (KOHORT_* settings) until the block ends; yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "KOHORT_PUBLIC_URL": base_url, **env}
    with log_path.open("wb") as log:
        process = subprocess.Popen(_command(port, workers, embedded_worker), cwd=ROOT, env=environment, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            async with httpx.AsyncClient(base_url=base_url) as client:
                for _ in range(STARTUP_POLLS):
                    if process.poll() is not None:
                        raise RuntimeError(f"kohort serve exited early; see {log_path}")
                    try:
                        if (await client.get("/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise RuntimeError(f"kohort serve did not answer; see {log_path}")
            yield base_url
        finally:
            _stop(process)


@contextmanager
def serving(env: dict[str, str], *, embedded_worker: bool = True, log_path: Path) -> Iterator[str]:
    """`running_server` for synchronous tests (schemathesis drives its requests itself, without an event loop)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "KOHORT_PUBLIC_URL": base_url, **env}
    with log_path.open("wb") as log:
        process = subprocess.Popen(_command(port, 1, embedded_worker), cwd=ROOT, env=environment, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            with httpx.Client(base_url=base_url) as client:
                for _ in range(STARTUP_POLLS):
                    if process.poll() is not None:
                        raise RuntimeError(f"kohort serve exited early; see {log_path}")
                    try:
                        if client.get("/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.1)
                else:
                    raise RuntimeError(f"kohort serve did not answer; see {log_path}")
            yield base_url
        finally:
            _stop(process)


def create_organization(env: dict[str, str], name: str) -> dict[str, object]:
    """`kohort orgs create --json` against the server's database."""
    completed = subprocess.run([str(KOHORT), "orgs", "create", "--name", name, "--json"], cwd=ROOT,
                               env={**os.environ, **env}, capture_output=True, check=True, text=True)
    return dict(json.loads(completed.stdout))
