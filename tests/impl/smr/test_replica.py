"""One replica in this process, on 127.0.0.1, driven frame by frame: bad
frames get an error and change nothing; a client that vanishes blocks no
one. Every test bounds each wait and closes what it opens."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from impl.smr.machine import VaccineLog
from impl.smr.replica import Replica
from impl.smr.trace import Trace
from impl.smr.wire import MAX_FRAME, ConnectionClosed, encode, read_frame

WAIT = 5.0
ADD = {"op": "add", "site": "north", "vaccine": "mmr", "doses": 5}


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, message: dict[str, Any]) -> None:
        self.writer.write(encode(message))
        await self.writer.drain()

    async def raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self) -> dict[str, Any]:
        return await asyncio.wait_for(read_frame(self.reader), WAIT)

    async def hello(self, name: str) -> dict[str, Any]:
        await self.send({"type": "hello", "client": name})
        return await self.recv()


@asynccontextmanager
async def running() -> AsyncIterator[tuple[Replica, Callable[[], Awaitable[Conn]]]]:
    replica = Replica(1, VaccineLog(), Trace(None, "replica", "r1"))
    server = await asyncio.start_server(replica.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    conns: list[Conn] = []

    async def connect() -> Conn:
        conn = Conn(*await asyncio.open_connection("127.0.0.1", port))
        conns.append(conn)
        return conn

    try:
        yield replica, connect
    finally:
        for conn in conns:
            conn.writer.close()
        server.close()
        await asyncio.wait_for(server.wait_closed(), WAIT)


def test_a_lone_client_gets_its_request_applied_and_answered() -> None:
    async def go() -> None:
        async with running() as (replica, connect):
            c = await connect()
            assert (await c.hello("c1"))["type"] == "welcome"
            await c.send({"type": "request", "seq": 1, "clock": 1, "command": ADD})
            reply = await c.recv()
            assert (reply["type"], reply["seq"], reply["result"]) == (
                "reply",
                1,
                {"ok": True, "doses": 5},
            )
            assert replica.applied == 1

    asyncio.run(go())


def test_malformed_frames_get_an_error_and_change_nothing() -> None:
    async def go() -> None:
        async with running() as (replica, connect):
            c = await connect()
            await c.hello("c1")
            bad_frames: list[tuple[bytes, str]] = [
                (struct.pack(">I", 5) + b"{oops", "not UTF-8 JSON"),
                (encode({"type": "teleport"}), "unknown frame type"),
                (encode({"type": "welcome", "replica": 1, "clock": 0}), "does not take welcome"),
                (
                    encode({"type": "request", "seq": 1, "clock": 1, "command": {"op": "x"}}),
                    "command refused: unknown op",
                ),
                (encode({"type": "hello", "client": "c9"}), "already joined"),
            ]
            for frame, reason in bad_frames:
                await c.raw(frame)
                error = await c.recv()
                assert error["type"] == "error" and reason in error["error"], error
            assert (replica.applied, replica.pending, replica.peers["c1"].heard) == (0, [], 0)
            # The connection still works: a good request goes through.
            await c.send({"type": "request", "seq": 1, "clock": 1, "command": ADD})
            assert (await c.recv())["type"] == "reply"
            await c.send({"type": "request", "seq": 2, "clock": 1, "command": ADD})
            assert "does not grow" in (await c.recv())["error"]
            assert replica.applied == 1

    asyncio.run(go())


def test_frames_before_hello_and_reused_names_are_refused() -> None:
    async def go() -> None:
        async with running() as (replica, connect):
            c = await connect()
            await c.send({"type": "null", "clock": 1})
            assert "before hello" in (await c.recv())["error"]
            await c.hello("c1")
            await c.send({"type": "bye"})
            d = await connect()
            assert "already used" in (await d.hello("c1"))["error"]
            assert replica.peers == {}

    asyncio.run(go())


def test_a_bad_length_cannot_be_skipped_so_the_connection_is_closed() -> None:
    async def go() -> None:
        async with running() as (replica, connect):
            c = await connect()
            await c.hello("c1")
            await c.raw(struct.pack(">I", MAX_FRAME + 1))
            assert "over the" in (await c.recv())["error"]
            try:
                await c.recv()
                raise AssertionError("the connection stayed open")
            except ConnectionClosed:
                pass
            await asyncio.sleep(0.05)
            assert "c1" not in replica.peers

    asyncio.run(go())


def test_a_request_waits_for_the_other_client_who_is_poked_for_a_null() -> None:
    async def go() -> None:
        async with running() as (replica, connect):
            a, b = await connect(), await connect()
            await a.hello("a")
            await b.hello("b")
            await a.send({"type": "request", "seq": 1, "clock": 1, "command": ADD})
            poke = await b.recv()
            assert poke == {"type": "poke", "clock": 1}
            assert replica.applied == 0
            await b.send({"type": "null", "clock": 2})
            assert (await a.recv())["type"] == "reply"

    asyncio.run(go())


def test_a_client_that_disconnects_abruptly_blocks_nobody() -> None:
    async def go() -> None:
        async with running() as (replica, connect):
            a, b = await connect(), await connect()
            await a.hello("a")
            await b.hello("b")
            await b.raw(struct.pack(">I", 100) + b'{"type": "nu')  # half a frame, then gone
            b.writer.transport.abort()
            await a.send({"type": "request", "seq": 1, "clock": 1, "command": ADD})
            reply = await a.recv()
            assert reply["type"] == "reply" and replica.applied == 1
            assert list(replica.peers) == ["a"]

    asyncio.run(go())
