"""The benchmark's receivers, in a process of their own: an SMTP server that only counts what it accepts
and a webhook receiver that answers 204 to every POST and counts deliveries. `bench/orders.py` and
`bench/settlement.py` start it (`Sinks`).

The SMTP server is a lean one of our own (real SMTP on a socket, advertising PIPELINING, 8BITMIME and
SMTPUTF8 as Postfix does), not aiosmtpd: at a thousand messages a second aiosmtpd's own CPU, and parsing
each message to count it, took a core of the two the benchmark shares with what it measures.

    .venv/bin/python bench/sinks.py SMTP_PORT HTTP_PORT

`GET /stats` on the HTTP port answers JSON: messages and deliveries received, and how many of each
arrived more than once. A message is identified by its bytes without its Message-ID header and with its MIME boundary blanked out
(both differ from one sending to the next); a delivery by its path (one per organization) and its
`webhook-id` header (the event id).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

messages: Counter[str] = Counter()
deliveries: Counter[tuple[str, str]] = Counter()


_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.IGNORECASE)
_EHLO = b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 33554432\r\n"


def identity(content: bytes) -> str:
    """The same for two sendings of one email, different for two emails."""
    head, _, body = content.partition(b"\r\n\r\n")
    kept = b"\r\n".join(line for line in head.split(b"\r\n") if line[:11].lower() != b"message-id:")
    found = _BOUNDARY.search(head)
    whole = kept + b"\r\n\r\n" + body
    if found:
        whole = whole.replace(found.group(1), b"")
    return hashlib.sha256(whole).hexdigest()


class CountingSmtp(asyncio.Protocol):
    """One client's SMTP conversation: every command answered as a willing server would, every message
    counted. Commands may arrive pipelined; the answers to one read go out in one write."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""
        self.in_data = False
        self.recipients = 0
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            if self.in_data:
                if self.buffer.startswith(b".\r\n"):
                    content, rest = b"", self.buffer[3:]
                else:
                    end = self.buffer.find(b"\r\n.\r\n")
                    if end < 0:
                        break
                    content, rest = self.buffer[:end + 2], self.buffer[end + 5:]
                self.buffer, self.in_data, self.recipients = rest, False, 0
                content = content.replace(b"\r\n..", b"\r\n.")
                messages[identity(content[1:] if content.startswith(b"..") else content)] += 1
                replies.append(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                break
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(_EHLO)
            elif verb == b"RCPT":
                self.recipients += 1
                replies.append(b"250 OK\r\n")
            elif verb == b"DATA":
                if self.recipients:
                    self.in_data = True
                    replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                else:
                    replies.append(b"503 Error: need RCPT command\r\n")
            elif verb in (b"HELO", b"MAIL", b"RSET", b"NOOP"):
                self.recipients = 0 if verb in (b"MAIL", b"RSET") else self.recipients
                replies.append(b"250 OK\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"".join(replies) + b"221 Bye\r\n")
                self.transport.close()
                return
            else:
                replies.append(b"500 Error: command not recognized\r\n")
        if replies:
            self.transport.write(b"".join(replies))


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
    smtp = await asyncio.get_running_loop().create_server(CountingSmtp, "127.0.0.1", smtp_port, backlog=1024)
    server = await asyncio.start_server(serve_http, "127.0.0.1", http_port, backlog=1024)
    print("sinks ready", flush=True)
    async with smtp, server:
        await server.serve_forever()


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
