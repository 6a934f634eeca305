"""The compact visited set: 64-bit fingerprints -> state ids, 12 bytes a slot.

A dict of fingerprints costs about 100 bytes an entry (an int object for the
key, another for the id, the slot and the index). This table keeps the same
mapping in two preallocated flat arrays, open addressing with linear
probing: `keys` (array 'q', the fingerprints; 0 marks an empty slot) and
`ids` (array 'i'). It doubles, by rehashing every key, when it is 70% full,
so between growths it is 35% to 70% full: 17 to 34 bytes a state, 20 at
10**7 states (2**24 slots). The engine's per-state arrays (parent, action
index) add 8.

    >>> table = FingerprintTable()
    >>> table[hash((1, 2))] = 0
    >>> table.get(hash((1, 2))), table.get(hash((2, 1))), len(table)
    (0, None, 1)

The fingerprint 0 marks an empty slot, so its id lives apart, in one
field (a model of small ints has the state 0, whose hash is 0). The
probe starts at the fingerprint's low bits mixed with its high ones, so
fingerprints that differ only in their top bits still spread.
"""

from __future__ import annotations

from array import array

_MAX_LOAD = 0.7
_EMPTY = 0


class FingerprintTable:
    """fingerprint (int, 64-bit signed) -> id (int >= 0); see the module
    docstring. Supports what the explorer uses of a dict: `get`, item
    assignment of a key that is absent, `in` and `len`."""

    __slots__ = ("_grow_at", "_ids", "_keys", "_mask", "_size", "_zero_id")

    def __init__(self, capacity: int = 1 << 16) -> None:
        slots = 1 << max(4, (capacity - 1).bit_length())
        self._allocate(slots)
        self._size = 0
        self._zero_id: int | None = None  # the id of the fingerprint 0

    def _allocate(self, slots: int) -> None:
        self._keys = array("q", bytes(8 * slots))
        self._ids = array("i", bytes(4 * slots))
        self._mask = slots - 1
        self._grow_at = int(slots * _MAX_LOAD)

    def get(self, fp: int) -> int | None:
        """The id stored for `fp`, or None."""
        if not fp:
            return self._zero_id
        keys = self._keys
        mask = self._mask
        i = (fp ^ (fp >> 32)) & mask
        while True:
            k = keys[i]
            if k == fp:
                return self._ids[i]
            if k == _EMPTY:
                return None
            i = (i + 1) & mask

    def __setitem__(self, fp: int, sid: int) -> None:
        """Store `fp` -> `sid`; `fp` must be absent (the explorer asks first)."""
        if not fp:
            self._zero_id = sid
            self._size += 1
            return
        if self._size >= self._grow_at:
            self._grow()
        keys = self._keys
        mask = self._mask
        i = (fp ^ (fp >> 32)) & mask
        while keys[i] != _EMPTY:
            i = (i + 1) & mask
        keys[i] = fp
        self._ids[i] = sid
        self._size += 1

    def __contains__(self, fp: object) -> bool:
        return isinstance(fp, int) and self.get(fp) is not None

    def __len__(self) -> int:
        return self._size

    @property
    def slots(self) -> int:
        return self._mask + 1

    @property
    def nbytes(self) -> int:
        """Bytes held by the two arrays (the table's whole payload)."""
        return self._keys.itemsize * len(self._keys) + self._ids.itemsize * len(self._ids)

    def _grow(self) -> None:
        # Both tables live during the rehash: peak 1.5x the new size, briefly.
        old_keys, old_ids = self._keys, self._ids
        self._allocate(2 * len(old_keys))
        keys, ids, mask = self._keys, self._ids, self._mask
        for k, sid in zip(old_keys, old_ids, strict=True):
            if k != _EMPTY:
                i = (k ^ (k >> 32)) & mask
                while keys[i] != _EMPTY:
                    i = (i + 1) & mask
                keys[i] = k
                ids[i] = sid
