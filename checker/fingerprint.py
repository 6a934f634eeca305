"""Fingerprints that every process and machine computes alike.

`hash(state)` is what the one-process and forked engines use: fast (C), and
the same in a process and its forked children. It is not the same in two
independent interpreters: strings hash with a per-process seed (unless
PYTHONHASHSEED is fixed), and on Python 3.11 `hash(None)` is None's address,
which changes from run to run. Ray's actors are such interpreters, on one
machine or many, and shards must agree on who owns a state.

`stable_fingerprint` hashes ints and tuples of ints only: a leaf becomes an
int (None a constant, a string a digest, an enum its value's fingerprint,
a float its arithmetic hash), a container (a tuple, a NamedTuple, a
dataclass, a frozenset) the hash of its parts' fingerprints. CPython's int
hash is the value modulo 2**61 - 1, and its tuple hash (xxHash-style, since
3.8) combines the element hashes with constants, with no seed, so the
result is the same in every 64-bit CPython 3.8 or later.

    >>> stable_fingerprint((1, None, "a")) == stable_fingerprint((1, None, "a"))
    True

A successor shares most of its parts (nodes, messages) with its parent and
its siblings, so the fingerprints of containers are remembered, keyed by
the containers themselves (a dict lookup hashes them with `hash`, at C
speed, and meets equal parts, not only the same objects). Equal parts must
then have equal fingerprints: a dataclass counts by the fields its `==`
compares (not those with `compare=False`, which its hash leaves out too),
and a part's `==`, if written by hand, must compare what it is made of: R2 2.7 us a state
against 27 us walking every state whole, `hash` 1 us. Only the Ray engine
pays it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Callable
from typing import Any, cast

_NONE = hash(-0x4E6F6E65)  # None's fingerprint: any fixed int would do
_strings: dict[str, int] = {}
# Container kinds met so far: None for a tuple subclass (its items, as a
# tuple's), else a dataclass's field names.
_FIELDS: dict[type, tuple[str, ...] | None] = {}
_LEAVES: dict[type, Callable[[Any], object]] = {}  # per kind, a stand-in to hash

# Remembered containers' fingerprints, in two generations, so that the parts
# in use stay when the newer one fills up and the older is dropped.
_GENERATION = 1 << 16
_known: dict[object, object] = {}
_older: dict[object, object] = {}


def stable_fingerprint(state: Any) -> int:
    """A 64-bit fingerprint of `state` equal in every process; see above."""
    kind = type(state)
    if kind is tuple or kind in _FIELDS:
        # The state itself is new each time: not worth remembering.
        return hash(_fingerprints(state, kind))
    # A leaf, or a container of a kind met for the first time: the same value.
    return cast(int, _fingerprint(state))


def _fingerprint(x: object) -> object:
    """x's fingerprint, an int (kept an object: compiled, no unboxing)."""
    kind = type(x)
    if kind is int:
        return hash(x)
    if x is None:
        return _NONE
    if kind is tuple or kind in _FIELDS:
        value = _known.get(x)
        if value is None:
            value = _older.get(x)
            if value is None:
                value = hash(_fingerprints(x, kind))
            _remember(x, value)
        return value
    return _leaf(x, kind)


def _fingerprints(x: Any, kind: type) -> tuple[object, ...]:
    """The fingerprints of a container's parts, in order."""
    names = None if kind is tuple else _FIELDS[kind]
    found: list[object] = []
    if names is None:
        items: tuple[object, ...] = x
        for i in range(len(items)):  # by index: compiled, no iterator object
            found.append(_fingerprint(items[i]))
    else:
        for name in names:
            found.append(_fingerprint(getattr(x, name)))
    return tuple(found)


def _remember(x: object, value: object) -> None:
    global _known, _older
    if len(_known) >= _GENERATION:
        _older, _known = _known, {}
    _known[x] = value


def _leaf(x: Any, kind: type) -> object:
    """The fingerprint of anything but an int, None or a known container."""
    stand_in = _LEAVES.get(kind)
    if stand_in is None:
        if issubclass(kind, tuple) and not issubclass(kind, enum.Enum):
            _FIELDS[kind] = None
            return _fingerprint(x)
        if dataclasses.is_dataclass(kind):
            # The fields its == and hash look at, as the engines' visited sets
            # do: equal parts must have one fingerprint (they are its keys).
            _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.compare)
            return _fingerprint(x)
        stand_in = _LEAVES[kind] = _stand_in_for(kind)
    return hash(stand_in(x))


def _stand_in_for(kind: type) -> Callable[[Any], object]:
    """What a leaf of `kind` is hashed as: something hashed alike everywhere."""
    if issubclass(kind, enum.Enum):
        return lambda x: _fingerprint(x.value)
    if issubclass(kind, bool | int):
        return int
    if issubclass(kind, float):
        return lambda x: x  # hash(float) is arithmetic, unseeded
    if issubclass(kind, str):
        return _string
    if issubclass(kind, frozenset):
        return lambda x: frozenset(map(_fingerprint, x))  # unseeded, of ints
    raise TypeError(
        f"a state holds a {kind.__name__}, which has no stable fingerprint: "
        "use ints, strings, enums, tuples, frozensets or dataclasses of them"
    )


def _string(x: str) -> int:
    value = _strings.get(x)
    if value is None:
        digest = hashlib.blake2b(x.encode(), digest_size=8).digest()
        value = _strings[x] = int.from_bytes(digest, "little", signed=True)
    return value
