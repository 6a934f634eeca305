"""Frames: what decodes, and the one-line reason for what does not."""

from __future__ import annotations

import asyncio
import struct

import pytest

from impl.smr.wire import MAX_FRAME, ConnectionClosed, FrameError, decode, encode, read_frame


def test_a_frame_is_its_length_then_json() -> None:
    frame = encode({"type": "null", "clock": 3})
    assert struct.unpack(">I", frame[:4])[0] == len(frame) - 4
    assert decode(frame[4:]) == {"type": "null", "clock": 3}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b"{nope", "not UTF-8 JSON"),
        (b"[1, 2]", "a JSON list, not an object"),
        (b'{"type": "teleport"}', "unknown frame type 'teleport'"),
        (b'{"type": "request", "seq": 1, "clock": 2}', "needs 'command' as a object"),
        (b'{"type": "null", "clock": true}', "needs 'clock' as a integer"),
        (b'{"type": "null", "clock": "3"}', "needs 'clock' as a integer"),
        (b'{"type": "null", "clock": -1}', "negative 'clock'"),
        (b'{"type": "hello", "client": 7}', "needs 'client' as a string"),
    ],
)
def test_a_bad_body_is_refused_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        decode(body)


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


def test_read_frame_tells_a_clean_close_from_a_torn_frame() -> None:
    async def go() -> None:
        assert await read_frame(_reader(encode({"type": "bye"}))) == {"type": "bye"}
        with pytest.raises(ConnectionClosed):
            await read_frame(_reader(b""))
        with pytest.raises(FrameError, match="inside a frame header"):
            await read_frame(_reader(b"\x00\x00"))
        with pytest.raises(FrameError, match="inside a frame of 10 bytes"):
            await read_frame(_reader(struct.pack(">I", 10) + b"{}"))
        with pytest.raises(FrameError, match="over the"):
            await read_frame(_reader(struct.pack(">I", MAX_FRAME + 1)))

    asyncio.run(go())
