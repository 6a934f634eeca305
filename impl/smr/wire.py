"""The wire protocol: each frame is a 4-byte big-endian length, then that
many bytes of UTF-8 JSON holding one object with a "type".

    >>> encode({"type": "null", "clock": 3})
    b'\\x00\\x00\\x00\\x19{"type":"null","clock":3}'

Client -> replica: hello {client}, request {seq, clock, command}, null
{clock}, bye. Replica -> client: welcome {replica, clock}, reply {replica,
seq, clock, result}, poke {clock} (a request waits for a message stamped
at least `clock` from you), error {error}. Control (to `check smr serve`):
fail {replica} -> ok {message} | error {error}.

A frame that breaks these rules raises `FrameError` with a one-line
reason; a replica answers it with an error frame and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

MAX_FRAME = 64 * 1024
_HEADER = struct.Struct(">I")

# The fields each type needs, with their JSON types.
FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "hello": {"client": str},
    "request": {"seq": int, "clock": int, "command": dict},
    "null": {"clock": int},
    "bye": {},
    "welcome": {"replica": int, "clock": int},
    "reply": {"replica": int, "seq": int, "clock": int, "result": dict},
    "poke": {"clock": int},
    "error": {"error": str},
    "fail": {"replica": int},
    "ok": {"message": str},
}


class FrameError(Exception):
    """A frame that is not a valid message; the text says why."""


class ConnectionClosed(Exception):
    """The peer closed the connection (cleanly, between frames)."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise FrameError(f"frame of {len(body)} bytes is over the {MAX_FRAME}-byte limit")
    return _HEADER.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    """One frame's body as a checked message."""
    try:
        message = json.loads(body.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameError(f"frame body is not UTF-8 JSON: {error}") from None
    if not isinstance(message, dict):
        raise FrameError(f"frame body is a JSON {type(message).__name__}, not an object")
    kind = message.get("type")
    if kind not in FIELDS:
        raise FrameError(f"unknown frame type {kind!r}; known: {', '.join(FIELDS)}")
    for name, expected in FIELDS[kind].items():
        value = message.get(name)
        # bool is an int to Python, never to this protocol
        if not isinstance(value, expected) or isinstance(value, bool):
            raise FrameError(f"{kind} frame needs {name!r} as a {_type_name(expected)}")
    for name in ("seq", "clock", "replica"):
        if name in FIELDS[kind] and message[name] < 0:
            raise FrameError(f"{kind} frame has a negative {name!r}")
    return message


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {int: "integer", str: "string", dict: "object"}
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(t, t.__name__) for t in types)


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    """The next message: `read_body`, then `decode`."""
    return decode(await read_body(reader))


async def read_body(reader: asyncio.StreamReader) -> bytes:
    """The next frame's body. ConnectionClosed at a clean end of stream;
    FrameError for a bad length or a torn frame (the stream is then out of
    step: close it). A bad body is `decode`'s business: the next frame can
    still be read."""
    try:
        header = await reader.readexactly(_HEADER.size)
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            raise ConnectionClosed from None
        raise FrameError("connection closed inside a frame header") from None
    (length,) = _HEADER.unpack(header)
    if length > MAX_FRAME:
        raise FrameError(f"frame length {length} is over the {MAX_FRAME}-byte limit")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError(f"connection closed inside a frame of {length} bytes") from None
    return body


def send_frame(sock: socket.socket, message: dict[str, Any]) -> None:
    """Blocking send, for the control connection."""
    sock.sendall(encode(message))


def recv_frame(sock: socket.socket) -> dict[str, Any]:
    """Blocking receive of one message, for the control connection (the
    socket's timeout bounds it)."""
    header = _recv_exactly(sock, _HEADER.size)
    (length,) = _HEADER.unpack(header)
    if length > MAX_FRAME:
        raise FrameError(f"frame length {length} is over the {MAX_FRAME}-byte limit")
    return decode(_recv_exactly(sock, length))


def _recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            if not data:
                raise ConnectionClosed
            raise FrameError("connection closed inside a frame")
        data += chunk
    return data
