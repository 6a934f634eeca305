"""Fingerprints that every process and machine computes alike.

`hash(state)` is what the one-process and forked engines use: fast (C), and
the same in a process and its forked children. It is not the same in two
independent interpreters: strings hash with a per-process seed (unless
PYTHONHASHSEED is fixed), and on Python 3.11 `hash(None)` is None's address,
which changes from run to run. Ray's actors are such interpreters, on one
machine or many, and shards must agree on who owns a state.

`stable_fingerprint` rewrites the state into ints and tuples first (None, a
string, an enum, a dataclass each become ints or tuples of them) and hashes
that: CPython's int hash is the value modulo 2**61 - 1, and its tuple hash
(xxHash-style, since 3.8) combines the element hashes with constants, with
no seed, so the result is the same in every 64-bit CPython 3.8 or later.

    >>> stable_fingerprint((1, None, "a")) == stable_fingerprint((1, None, "a"))
    True

It costs a Python call per node of the state (about 10 times `hash`), which
is why only the Ray engine pays it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Callable
from typing import Any

_NONE = -0x4E6F6E65  # stands for None: any fixed int would do
_strings: dict[str, int] = {}


def stable_fingerprint(state: Any) -> int:
    """A 64-bit fingerprint of `state` equal in every process; see above."""
    return hash(_canon(state))


def _canon(x: Any) -> Any:
    kind = type(x)
    if kind is int:
        return x
    if kind is tuple:
        return tuple(map(_canon, x))
    handler = _HANDLERS.get(kind)
    if handler is None:
        handler = _HANDLERS[kind] = _handler_for(kind)
    return handler(x)


def _string(x: str) -> int:
    value = _strings.get(x)
    if value is None:
        digest = hashlib.blake2b(x.encode(), digest_size=8).digest()
        value = _strings[x] = int.from_bytes(digest, "little", signed=True)
    return value


def _handler_for(kind: type) -> Callable[[Any], Any]:
    if kind is type(None):
        return lambda _: _NONE
    if issubclass(kind, enum.Enum):
        return lambda x: _canon(x.value)
    if issubclass(kind, bool | int):
        return int
    if issubclass(kind, float):
        return lambda x: x  # hash(float) is arithmetic, unseeded
    if issubclass(kind, str):
        return _string
    if issubclass(kind, tuple):
        return lambda x: tuple(map(_canon, x))
    if issubclass(kind, frozenset):
        return lambda x: frozenset(map(_canon, x))
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))
        return lambda x: tuple(_canon(getattr(x, n)) for n in names)
    raise TypeError(
        f"a state holds a {kind.__name__}, which has no stable fingerprint: "
        "use ints, strings, enums, tuples, frozensets or dataclasses of them"
    )


_HANDLERS: dict[type, Callable[[Any], Any]] = {}
