"""One replica: an asyncio TCP server applying clients' requests in
timestamp order once they are stable.

A request stamped (clock, client) is stable when every client this replica
knows, and has not seen leave, has sent it something stamped at least as
late: TCP keeps each client's frames in order, so nothing earlier can still
come. A client that closes its connection (bye, or abruptly) has left: its
frames before the close were all read first. When the first pending request
waits for a client, the replica pokes it with the clock it needs; the client
answers with a null message (demand-driven null messages).

Joining: a client says hello to every replica and stamps past the largest
clock they welcome it with, so it never stamps below what any replica has
already applied.

Bad input: a frame that does not decode, or breaks the rules (request before
hello, a clock that does not grow, a command the machine refuses), gets an
error frame and changes nothing; a frame with a bad length cannot be
skipped, so the replica answers with an error and closes that connection.

    python -m impl.smr.replica --number 1 --port 8892 [--trace r1.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import socket
import sys
from dataclasses import dataclass, field
from typing import Any

from impl.smr.machine import StateMachine, VaccineLog
from impl.smr.trace import Trace
from impl.smr.wire import ConnectionClosed, FrameError, decode, encode, read_body


@dataclass
class Peer:
    """A client as this replica knows it."""

    name: str
    writer: asyncio.StreamWriter
    heard: int = 0  # clock of the last frame received from it
    seq: int = 0  # its last request number
    poked: int = 0  # the largest clock this replica has poked it for


@dataclass(order=True)
class Waiting:
    clock: int
    client: str
    seq: int
    command: dict[str, Any] = field(compare=False)


class Replica:
    def __init__(self, number: int, machine: StateMachine, trace: Trace) -> None:
        self.number = number
        self.machine = machine
        self.trace = trace
        self.clock = 0
        self.peers: dict[str, Peer] = {}  # joined and not left
        self.used: set[str] = set()  # every client name ever joined: names are not reused
        self.pending: list[Waiting] = []  # a heap, in timestamp order
        self.applied = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection, until it closes; a client's departure is its close."""
        peer: Peer | None = None
        try:
            while True:
                try:
                    body = await read_body(reader)
                except FrameError as error:  # out of step: say why and hang up
                    self._refuse(writer, str(error))
                    return
                except ConnectionClosed:
                    return
                message: dict[str, Any] = {}
                try:
                    message = decode(body)
                    peer = self._handle(message, peer, writer)
                except FrameError as error:
                    self._refuse(writer, str(error), message.get("seq"))
                if peer is None and message.get("type") == "bye":
                    return
        except (ConnectionError, OSError):
            return
        finally:
            if peer is not None and self.peers.get(peer.name) is peer:
                self._leave(peer, "disconnected")
            writer.close()

    def _refuse(self, writer: asyncio.StreamWriter, error: str, seq: Any = None) -> None:
        self.trace.event("bad-frame", error=error)
        frame: dict[str, Any] = {"type": "error", "error": error}
        if isinstance(seq, int):
            frame["seq"] = seq
        _send(writer, frame)

    def _handle(
        self, message: dict[str, Any], peer: Peer | None, writer: asyncio.StreamWriter
    ) -> Peer | None:
        kind = message["type"]
        if kind == "hello":
            if peer is not None:
                raise FrameError(f"this connection already joined as {peer.name!r}")
            name = message["client"]
            if name in self.used:
                raise FrameError(f"client name {name!r} was already used here; pick a new one")
            peer = Peer(name, writer)
            self.used.add(name)
            self.peers[name] = peer
            self.trace.event("hello", client=name, clock=self.clock)
            _send(writer, {"type": "welcome", "replica": self.number, "clock": self.clock})
            return peer
        if kind not in ("request", "null", "bye"):
            raise FrameError(f"a replica does not take {kind} frames from a client")
        if peer is None:
            raise FrameError(f"{kind} before hello: say hello with your client name first")
        if kind == "bye":
            self._leave(peer, "bye")
            self._apply_stable()
            return None
        clock = message["clock"]
        if clock <= peer.heard:
            raise FrameError(f"clock {clock} does not grow: the last frame had {peer.heard}")
        if kind == "request":
            if message["seq"] <= peer.seq:
                raise FrameError(f"seq {message['seq']} does not grow: the last was {peer.seq}")
            refused = self.machine.check(message["command"])
            if refused:
                raise FrameError(f"command refused: {refused}")
            peer.seq = message["seq"]
            heapq.heappush(self.pending, Waiting(clock, peer.name, peer.seq, message["command"]))
        peer.heard = clock
        self.clock = max(self.clock, clock)
        self.trace.event(
            "received", client=peer.name, kind=kind, clock=clock, seq=message.get("seq", 0)
        )
        self._apply_stable()
        return peer

    def _leave(self, peer: Peer, how: str) -> None:
        del self.peers[peer.name]
        self.trace.event("departed", client=peer.name, how=how)
        self._apply_stable()

    def _apply_stable(self) -> None:
        while self.pending:
            first = self.pending[0]
            stamp = (first.clock, first.client)
            behind = [p for p in self.peers.values() if (p.heard, p.name) < stamp]
            if behind:
                for p in behind:
                    if p.poked < first.clock:
                        p.poked = first.clock
                        _send(p.writer, {"type": "poke", "clock": first.clock})
                return
            heapq.heappop(self.pending)
            result = self.machine.apply(first.command)
            self.applied += 1
            self.trace.event(
                "applied",
                index=self.applied,
                client=first.client,
                clock=first.clock,
                seq=first.seq,
                command=first.command,
                result=result,
            )
            owner = self.peers.get(first.client)
            if owner is not None:
                reply = {"type": "reply", "replica": self.number, "seq": first.seq}
                _send(owner.writer, {**reply, "clock": self.clock, "result": result})


def _send(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    if not writer.is_closing():
        writer.write(encode(message))


async def run(number: int, sock: socket.socket, trace: Trace, watch_stdin: bool) -> None:
    replica = Replica(number, VaccineLog(), trace)
    server = await asyncio.start_server(replica.serve, sock=sock)
    async with server:
        if not watch_stdin:
            await server.serve_forever()
            return
        # The parent holds our stdin open; its end means the parent is gone
        # (even killed), and a replica must not outlive its cluster.
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while await reader.read(4096):
            pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="One SMR replica on 127.0.0.1.")
    parser.add_argument("--number", type=int, required=True)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", type=int, help="listen on this port")
    where.add_argument("--fd", type=int, help="listen on this inherited, bound socket")
    parser.add_argument("--trace", help="write a JSON Lines trace here")
    parser.add_argument(
        "--watch-stdin", action="store_true", help="exit when stdin ends (the parent is gone)"
    )
    args = parser.parse_args(argv)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = socket.create_server(("127.0.0.1", args.port))
    sink = open(args.trace, "w", encoding="utf-8") if args.trace else None  # noqa: SIM115
    trace = Trace(sink, "replica", f"r{args.number}")
    try:
        asyncio.run(run(args.number, sock, trace, args.watch_stdin))
    except KeyboardInterrupt:
        pass
    finally:
        trace.close()


if __name__ == "__main__":
    main()
