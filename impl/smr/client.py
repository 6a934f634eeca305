"""A client: connects to every replica, sends each request to all of them
(the "bush" broadcast) stamped with its Lamport clock, and takes the first
reply; answers a replica's poke with a null message.

    async with SmrClient("c1", [8892, 8893, 8894]) as client:
        result = await client.submit({"op": "add", "site": "north", "vaccine": "mmr", "doses": 5})

A replica whose connection closes has failed (fail-stop, detected by the
close): the client stops waiting for it. A request fails only when no
replica is left, or after `timeout` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from types import TracebackType
from typing import Any

from impl.smr.trace import Trace
from impl.smr.wire import ConnectionClosed, FrameError, encode, read_frame


class ClientError(Exception):
    """A request that could not be answered; the text says why."""


class ReplicaGone(ClientError):
    """A replica closed its connection: it has failed."""


class SmrClient:
    def __init__(
        self,
        name: str,
        ports: list[int],
        *,
        timeout: float = 10.0,
        trace: Trace | None = None,
    ) -> None:
        self.name = name
        self.ports = ports
        self.timeout = timeout
        self.trace = trace or Trace(None, "client", name)
        self.clock = 0
        self.last_sent = 0  # clock of the last frame sent
        self.seq = 0
        self.nulls = 0
        self.writers: dict[int, asyncio.StreamWriter] = {}  # live replicas by port
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.readers: list[asyncio.Task[None]] = []
        self.joined = False
        self.poked = 0

    async def __aenter__(self) -> SmrClient:
        await self.connect()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Connect and say hello to every replica; stamp past every welcome.

        A refused connection is a failed replica (nothing listens on its
        loopback port): skipped. A replica that neither accepts nor refuses
        in time, or refuses the hello, stops the join: a client that missed
        a live replica would make the logs diverge."""
        try:
            await self._join()
        except ClientError:
            await self.close()
            raise

    async def _join(self) -> None:
        welcomes: list[asyncio.Future[dict[str, Any]]] = []
        for port in self.ports:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), self.timeout
                )
            except ConnectionRefusedError:
                continue
            except (OSError, TimeoutError) as error:
                raise ClientError(
                    f"the replica on port {port} neither accepts nor refuses"
                    f" ({type(error).__name__}); every live replica must be reachable"
                ) from None
            welcome = asyncio.get_running_loop().create_future()
            welcomes.append(welcome)
            self.writers[port] = writer
            self.readers.append(asyncio.create_task(self._read(port, reader, welcome)))
            writer.write(encode({"type": "hello", "client": self.name}))
        if not self.writers:
            raise ClientError(f"no replica answers on ports {_ports(self.ports)}")
        done, late = await asyncio.wait(welcomes, timeout=self.timeout)
        if late:
            raise ClientError(f"{len(late)} replica(s) did not welcome {self.name!r} in time")
        errors = [w.exception() for w in done if w.exception() is not None]
        refusals = [e for e in errors if not isinstance(e, ReplicaGone)]
        if refusals:
            raise ClientError(f"a replica refused client {self.name!r}: {refusals[0]}")
        clocks = [w.result()["clock"] for w in done if w.exception() is None]
        if not clocks:
            raise ClientError(f"every replica on ports {_ports(self.ports)} has failed")
        self.clock = max(clocks)
        self.joined = True
        self._answer_poke()

    async def _read(
        self, port: int, reader: asyncio.StreamReader, welcome: asyncio.Future[dict[str, Any]]
    ) -> None:
        try:
            while True:
                message = await read_frame(reader)
                kind = message["type"]
                if kind == "welcome" and not welcome.done():
                    welcome.set_result(message)
                elif kind == "error" and not welcome.done():
                    welcome.set_exception(ClientError(message["error"]))
                elif kind == "reply":
                    self._on_reply(message)
                elif kind == "poke":
                    self.clock = max(self.clock, message["clock"])
                    self.poked = max(self.poked, message["clock"])
                    self._answer_poke()
                elif kind == "error":
                    future = self.waiting.get(message.get("seq", -1))
                    if future is not None and not future.done():
                        future.set_exception(ClientError(message["error"]))
        except (ConnectionClosed, FrameError, ConnectionError, OSError):
            pass
        finally:
            self.writers.pop(port, None)
            if not welcome.done():
                welcome.set_exception(ReplicaGone(f"replica on port {port} closed"))
            if not self.writers:
                for future in self.waiting.values():
                    if not future.done():
                        future.set_exception(ClientError("every replica has failed"))

    def _on_reply(self, message: dict[str, Any]) -> None:
        self.clock = max(self.clock, message["clock"])
        future = self.waiting.get(message["seq"])
        if future is not None and not future.done():
            future.set_result(message)

    def _broadcast(self, message: dict[str, Any]) -> None:
        frame = encode(message)
        for writer in list(self.writers.values()):
            if not writer.is_closing():
                writer.write(frame)

    def _answer_poke(self) -> None:
        """A replica waits for a frame stamped at least `poked`: send a null
        unless something that late is already on its way."""
        if not self.joined or self.poked < self.last_sent or self.poked == 0:
            return
        self.clock += 1
        self.last_sent = self.clock
        self.nulls += 1
        self.trace.event("null", clock=self.clock)
        self._broadcast({"type": "null", "clock": self.clock})

    async def submit(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one request to every live replica; the first reply's result."""
        if not self.writers:
            raise ClientError("every replica has failed")
        self.clock += 1
        self.seq += 1
        self.last_sent = self.clock
        seq = self.seq
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[seq] = future
        # mono_ns: the host's monotonic clock, shared by every process on the
        # machine: the real-time order that linearizability is judged by. Read
        # before sending and after the answer, so the recorded span covers the real one.
        self.trace.event(
            "sent", seq=seq, clock=self.clock, command=command, mono_ns=time.monotonic_ns()
        )
        self._broadcast({"type": "request", "seq": seq, "clock": self.clock, "command": command})
        try:
            reply = await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self.trace.event("refused", seq=seq, error="timeout")
            raise ClientError(f"request {seq} not answered within {self.timeout} s") from None
        except ClientError as error:
            self.trace.event("refused", seq=seq, error=str(error))
            raise
        finally:
            del self.waiting[seq]
        self.trace.event(
            "answered",
            seq=seq,
            replica=reply["replica"],
            clock=reply["clock"],
            result=reply["result"],
            mono_ns=time.monotonic_ns(),
        )
        return dict(reply["result"])

    async def close(self) -> None:
        """Say bye to every replica and close; bounded."""
        self._broadcast({"type": "bye"})
        for writer in list(self.writers.values()):
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)
        self.trace.close()


def _ports(ports: list[int]) -> str:
    return ",".join(map(str, ports))
