"""The benchmark's receivers, in a process of their own: an SMTP server that only counts what it accepts
and a webhook receiver that answers 204 to every POST and counts deliveries. `bench/orders.py` and
`bench/settlement.py` start it (`Sinks`).

    .venv/bin/python bench/sinks.py SMTP_PORT HTTP_PORT

`GET /stats` on the HTTP port answers JSON: messages and deliveries received, and how many of each
arrived more than once. A message is identified by recipient, subject and plain-text body; a delivery by its path (one per organization)
and its `webhook-id` header (the event id).
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

messages: Counter[str] = Counter()
deliveries: Counter[tuple[str, str]] = Counter()


class CountingHandler:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content)
        # Not the raw bytes: the Message-ID and the MIME boundaries differ from one sending to the next.
        texts = [part.get_payload() for part in message.walk() if part.get_content_type() == "text/plain"]
        identity = repr((message["To"], message["Subject"], texts)).encode()
        messages[hashlib.sha256(identity).hexdigest()] += 1
        return "250 OK"


def stats() -> dict[str, int]:
    return {
        "messages": sum(messages.values()), "messages_twice": sum(1 for count in messages.values() if count > 1),
        "deliveries": sum(deliveries.values()),
        "deliveries_twice": sum(1 for count in deliveries.values() if count > 1),
    }


async def serve_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A minimal HTTP/1.1 server with keep-alive: enough for the webhook sender and for /stats."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {name.strip().lower(): value.strip() for name, _, value in
                       (line.partition(":") for line in header_lines if line)}
            await reader.readexactly(int(headers.get("content-length", "0")))
            if method == "GET" and path == "/stats":
                body = json.dumps(stats()).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
            else:
                deliveries[(path, headers.get("webhook-id", ""))] += 1
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(smtp_port: int, http_port: int) -> None:
    controller = Controller(CountingHandler(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    server = await asyncio.start_server(serve_http, "127.0.0.1", http_port, backlog=1024)
    print("sinks ready", flush=True)
    try:
        async with server:
            await server.serve_forever()
    finally:
        controller.stop()


class Sinks:
    """`bench/sinks.py` in its own process: the SMTP server and the webhook receiver."""

    def __init__(self, log_path: Path) -> None:
        self.smtp_port, self.http_port = free_port(), free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sinks:
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(self.smtp_port), str(self.http_port)],
            stdout=self.log_path.open("wb"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.stats()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the sinks did not start; see {self.log_path}")

    def stats(self) -> dict[str, int]:
        return {key: int(value) for key, value in http_get_json(f"http://127.0.0.1:{self.http_port}/stats").items()}

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return dict(json.loads(response.read()))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
