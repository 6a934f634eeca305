"""Start t replica processes on loopback ports, fail them one at a time
(at most t-1), and stop them all.

    with Cluster(3, base_port=8892) as cluster:   # r1..r3 on 8892..8894, or free ports
        cluster.fail(2)                           # fail-stop: the process is killed

Ports: P..P+t-1 when all are free, else ports the kernel picks. The parent
binds each listening socket and hands it to its replica, so a port printed
is a port that is already listening. Each replica watches the pipe on its
stdin and exits when it ends, so none outlives its parent, even a killed one.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType

DEFAULT_BASE_PORT = 8892


class ClusterError(Exception):
    """A refused cluster operation; the text says why and what is allowed."""


def bind_ports(count: int, base: int | None) -> list[socket.socket]:
    """`count` listening sockets on 127.0.0.1: base.. if all are free, else free ports."""
    if base is not None:
        bound: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                bound.append(socket.create_server(("127.0.0.1", port)))
            return bound
        except (OSError, OverflowError):  # taken, or past port 65535
            for s in bound:
                s.close()
    return [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]


class Cluster:
    def __init__(
        self,
        replicas: int,
        base_port: int | None = DEFAULT_BASE_PORT,
        trace_dir: Path | None = None,
    ) -> None:
        if replicas < 1:
            raise ClusterError(f"--replicas {replicas}: at least 1 replica is needed")
        self.size = replicas
        self.base_port = base_port
        self.trace_dir = trace_dir
        self.ports: list[int] = []
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.failed: list[int] = []

    def start(self) -> list[int]:
        sockets = bind_ports(self.size, self.base_port)
        self.ports = [s.getsockname()[1] for s in sockets]
        try:
            for number, sock in enumerate(sockets, start=1):
                command = [sys.executable, "-m", "impl.smr.replica", "--number", str(number)]
                command += ["--fd", str(sock.fileno()), "--watch-stdin"]
                if self.trace_dir is not None:
                    command += ["--trace", str(self.trace_dir / f"r{number}.jsonl")]
                self.processes[number] = subprocess.Popen(
                    command, pass_fds=(sock.fileno(),), stdin=subprocess.PIPE
                )
        finally:
            for sock in sockets:
                sock.close()
        return self.ports

    def live(self) -> list[int]:
        return [n for n in self.processes if n not in self.failed]

    def fail(self, number: int) -> str:
        """Fail-stop replica `number`; refused when it would leave none."""
        if number not in self.processes:
            raise ClusterError(f"no replica {number}; replicas are 1..{self.size}")
        if number in self.failed:
            raise ClusterError(f"replica {number} has already failed")
        if len(self.failed) >= self.size - 1:
            raise ClusterError(
                f"refused: {len(self.failed)} of {self.size} replicas have failed;"
                f" at most t-1 = {self.size - 1} may fail"
            )
        process = self.processes[number]
        process.kill()
        process.wait(timeout=10)
        self.failed.append(number)
        return f"r{number} failed ({len(self.failed)} of at most {self.size - 1})"

    def stop(self) -> None:
        for process in self.processes.values():
            if process.stdin is not None:
                process.stdin.close()  # the replica sees its stdin end and exits
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5)

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
