"""Per-node keys, signed frames and the replay guard.

Every RPC carries a Frame: sender, receiver, rpc name, a nonce (time in ns and
16 random bytes) and a body, with an HMAC-SHA256 over all of them under the
sender's key. The receiver refuses a frame whose MAC does not verify, whose
sender has no key, that is addressed to another node or rpc, whose nonce time
is outside the window or older than the receiver's start, or whose nonce it
has seen: so a captured frame cannot be replayed, here or elsewhere.

    >>> keys = Keys({"c1": b"k" * 32})
    >>> frame = keys.sign("c1", "s1", "Deliver", b"body")
    >>> keys.verify(frame, "s1", "Deliver") == b"body"
    True
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import struct
import threading
import time
from collections import deque
from pathlib import Path

from impl.cluster import wire_pb2 as wire
from impl.cluster.errors import BadData, Unauthenticated

KEY_BYTES = 32
WINDOW_NS = 30 * 10**9  # a nonce older (or newer) than this is stale


def generate_key(path: Path) -> None:
    """Write a fresh random key readable only by its owner (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(KEY_BYTES))
    os.chmod(path, 0o600)


def load_keys(folder: Path, names: list[str]) -> dict[str, bytes]:
    keys = {}
    for name in names:
        path = folder / f"{name}.key"
        try:
            keys[name] = path.read_bytes()
        except OSError as error:
            raise BadData(
                f"{path}: cannot read the key of {name} ({error.strerror}); "
                f"the keys are made by `check cluster up`"
            ) from error
    return keys


def _mac(key: bytes, f: wire.Frame) -> bytes:
    parts = [f.sender.encode(), f.receiver.encode(), f.rpc.encode(), f.nonce, f.body]
    # length-prefixed, so that no two different frames give the same input
    data = b"".join(struct.pack(">I", len(p)) + p for p in parts)
    return hmac.new(key, data + struct.pack(">Q", f.nonce_time), hashlib.sha256).digest()


class Keys:
    """The keys one process knows: its own, to sign, and the others', to verify."""

    def __init__(self, keys: dict[str, bytes]) -> None:
        self.keys = keys

    def sign(self, sender: str, receiver: str, rpc: str, body: bytes) -> wire.Frame:
        frame = wire.Frame(
            sender=sender,
            receiver=receiver,
            rpc=rpc,
            nonce_time=time.time_ns(),
            nonce=secrets.token_bytes(16),
            body=body,
        )
        frame.mac = _mac(self.keys[sender], frame)
        return frame

    def check_mac(self, frame: wire.Frame) -> None:
        key = self.keys.get(frame.sender)
        if key is None:
            raise Unauthenticated(f"sender {frame.sender[:40]!r} is not a node of this cluster")
        if not hmac.compare_digest(_mac(key, frame), frame.mac):
            raise Unauthenticated(f"bad signature on a frame from {frame.sender}")

    def verify(self, frame: wire.Frame, receiver: str, rpc: str) -> bytes:
        """The body of a frame signed by its sender and addressed to (receiver, rpc)."""
        self.check_mac(frame)
        if frame.receiver != receiver or frame.rpc != rpc:
            raise Unauthenticated(
                f"frame from {frame.sender} is for {frame.receiver[:40]}/{frame.rpc[:20]}, "
                f"not {receiver}/{rpc}"
            )
        return frame.body


class ReplayGuard:
    """Remembers the nonces of the last WINDOW_NS; refuses stale and repeated ones.
    Nonces older than the process's start are stale too, so a restart does not
    reopen the window."""

    def __init__(self) -> None:
        self.started = time.time_ns()
        self._lock = threading.Lock()
        self._seen: set[tuple[str, bytes]] = set()
        self._order: deque[tuple[int, tuple[str, bytes]]] = deque()

    def admit(self, frame: wire.Frame) -> None:
        now = time.time_ns()
        if (
            frame.nonce_time < max(self.started, now - WINDOW_NS)
            or frame.nonce_time > now + WINDOW_NS
        ):
            raise Unauthenticated(f"stale nonce on a frame from {frame.sender}")
        if len(frame.nonce) != 16:
            raise Unauthenticated(f"nonce of {len(frame.nonce)} bytes from {frame.sender}, not 16")
        key = (frame.sender, frame.nonce)
        with self._lock:
            while self._order and self._order[0][0] < now - WINDOW_NS:
                self._seen.discard(self._order.popleft()[1])
            if key in self._seen:
                raise Unauthenticated(f"replayed nonce on a frame from {frame.sender}")
            self._seen.add(key)
            self._order.append((now, key))
