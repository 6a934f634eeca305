"""The control port of `check smr serve`: `check smr fail ID` connects here
and asks for a fail-stop; the cluster enforces at most t-1 failures.

One frame in (`fail {replica}`), one frame out (`ok {message}` or
`error {error}`), then the connection closes; every connection is bounded
by a timeout, and a bad frame gets an error and changes nothing.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from impl.smr.wire import ConnectionClosed, FrameError, recv_frame, send_frame

TIMEOUT = 5.0


class ControlServer:
    """Serves `fail` requests on 127.0.0.1:port in a daemon thread."""

    def __init__(self, port: int | None, fail: Callable[[int], str]) -> None:
        try:
            self.sock = socket.create_server(("127.0.0.1", port or 0))
        except OSError:
            self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.fail = fail
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(TIMEOUT)
                self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        try:
            message = recv_frame(conn)
            if message["type"] != "fail":
                raise FrameError(f"the control port takes fail frames, not {message['type']}")
            with self.lock:
                reply = {"type": "ok", "message": self.fail(message["replica"])}
        except (ConnectionClosed, OSError):
            return
        except Exception as error:  # a refusal or a bad frame: answer it, carry on
            reply = {"type": "error", "error": str(error)}
        with contextlib.suppress(OSError):
            send_frame(conn, reply)

    def close(self) -> None:
        self.sock.close()


def request_fail(port: int, replica: int) -> str:
    """Ask the serve process on `port` to fail `replica`; its answer, or
    ConnectionError / ValueError with the reason."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        send_frame(sock, {"type": "fail", "replica": replica})
        reply = recv_frame(sock)
    if reply["type"] == "error":
        raise ValueError(reply["error"])
    return str(reply.get("message", ""))
