"""The webhook sender's own HTTP/1.1 client against real loopback servers that answer in the ways HTTP
allows: kept connections, chunked and unsized bodies, `Connection: close`, a receiver that drops a kept
connection, oversized and malformed answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from kohort.webhook import sender

Answer = Callable[[int], bytes]


class ScriptedServer:
    """Answers the n-th request (counted over every connection) with `answer(n)`; records each request's
    connection number, and closes a connection after its answer when `close_after` says so."""

    def __init__(self, answer: Answer, *, close_after: Callable[[int], bool] = lambda _: False) -> None:
        self.answer = answer
        self.close_after = close_after
        self.requests: list[tuple[int, bytes, bytes]] = []  # (connection number, head, body)
        self.connections = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/hooks?a=1"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
                self.requests.append((number, head, body))
                count = len(self.requests)
                writer.write(self.answer(count))
                await writer.drain()
                if self.close_after(count):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def scripted(answer: Answer, **options: Callable[[int], bool]) -> AsyncIterator[ScriptedServer]:
    server = ScriptedServer(answer, **options)
    server._server = await asyncio.start_server(server._handle, "127.0.0.1", 0)
    try:
        yield server
    finally:
        server._server.close()


def fixed(status: int, body: bytes = b"ok", *, headers: bytes = b"") -> bytes:
    return b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n%s\r\n%s" % (status, len(body), headers, body)


async def post_many(url: str, count: int) -> list[sender.Attempt]:
    client = sender.new_client()
    try:
        return [await sender.send(client, url, body=b'{"n":%d}' % n, headers={"webhook-id": f"evt_{n}"},
                                  livemode=False) for n in range(count)]
    finally:
        await client.aclose()


async def test_deliveries_to_one_receiver_reuse_one_connection() -> None:
    async with scripted(lambda n: fixed(200, b"ok %d" % n)) as server:
        attempts = await post_many(server.url, 5)
    assert [(item.succeeded, item.status_code, item.response) for item in attempts] == [
        (True, 200, f"ok {n}") for n in range(1, 6)]
    assert [number for number, _, _ in server.requests] == [1] * 5
    _, head, body = server.requests[0]
    assert head.startswith(b"POST /hooks?a=1 HTTP/1.1\r\n")
    assert b"\r\nwebhook-id: evt_0\r\n" in head
    assert body == b'{"n":0}'


async def test_a_chunked_answer_is_read_whole_and_the_connection_kept() -> None:
    chunked = b"HTTP/1.1 202 Accepted\r\ntransfer-encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    async with scripted(lambda _: chunked) as server:
        attempts = await post_many(server.url, 3)
    assert [(item.succeeded, item.status_code, item.response) for item in attempts] == [(True, 202, "abcde")] * 3
    assert server.connections == 1


async def test_a_receiver_that_closes_gets_a_new_connection() -> None:
    async with scripted(lambda _: fixed(200, headers=b"connection: close\r\n"), close_after=lambda _: True) as server:
        attempts = await post_many(server.url, 3)
    assert all(item.succeeded for item in attempts)
    assert [number for number, _, _ in server.requests] == [1, 2, 3]


async def test_a_kept_connection_the_receiver_dropped_is_replaced_without_losing_the_delivery() -> None:
    # The receiver closes after each answer without saying so: the client finds out on its next request.
    async with scripted(lambda _: fixed(204, b""), close_after=lambda _: True) as server:
        client = sender.new_client()
        try:
            first = await sender.send(client, server.url, body=b"{}", headers={}, livemode=False)
            await asyncio.sleep(0.05)
            second = await sender.send(client, server.url, body=b"{}", headers={}, livemode=False)
        finally:
            await client.aclose()
    assert (first.succeeded, first.status_code, second.succeeded, second.status_code) == (True, 204, True, 204)
    assert len(server.requests) == 2


async def test_a_long_or_unsized_answer_is_cut_to_the_excerpt() -> None:
    long_body = b"x" * (sender.DRAIN_BYTES + 10)
    async with scripted(lambda _: fixed(500, long_body)) as server:
        [long_answer] = await post_many(server.url, 1)
    async with scripted(lambda _: b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 5000, close_after=lambda _: True) as server:
        [unsized] = await post_many(server.url, 1)
    assert (long_answer.succeeded, long_answer.status_code) == (False, 500)
    assert long_answer.response == "x" * sender.RESPONSE_EXCERPT_BYTES
    assert (unsized.succeeded, unsized.response) == (True, "y" * sender.RESPONSE_EXCERPT_BYTES)


async def test_a_redirect_or_garbage_is_a_failed_delivery() -> None:
    async with scripted(lambda _: fixed(302, b"", headers=b"location: http://10.0.0.1/\r\n")) as server:
        [redirected] = await post_many(server.url, 1)
    async with scripted(lambda _: b"SMTP? no\r\n\r\n", close_after=lambda _: True) as server:
        [garbage] = await post_many(server.url, 1)
    assert (redirected.succeeded, redirected.status_code) == (False, 302)
    assert len(server.requests) == 1
    assert (garbage.succeeded, garbage.status_code) == (False, None)
    assert garbage.response.startswith("ProtocolError")


async def test_a_receiver_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(sender, "TIMEOUT_SECONDS", 0.3)
    try:
        [attempt] = await post_many(f"http://127.0.0.1:{port}/hooks", 1)
    finally:
        server.close()
    assert (attempt.succeeded, attempt.status_code) == (False, None)
    assert attempt.response.startswith("timed out")
