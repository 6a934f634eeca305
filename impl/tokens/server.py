"""The server role: a store of the highest (version, owner) seen per token,
an epoch, and the epoch rule that orders client and manager messages.

Epoch rule: a message of an older epoch is discarded; one of a newer epoch is
held until the server reaches it. SYNC_WRITE(e+1) is the exception: a server
of epoch e (or the joiner, which has no store yet) applies it; at an older
epoch it is held; at e+1 or newer it is discarded. A store never goes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from impl.tokens.actor import Effect
from impl.tokens.config import initial_owner
from impl.tokens.errors import BadMessage
from impl.tokens.messages import Entry, Message

if TYPE_CHECKING:
    from impl.tokens.config import Params
    from impl.tokens.node import Node

Store = dict[int, tuple[int, str]]
SERVER_KINDS = ("READ", "WRITE", "SYNC_READ", "SYNC_WRITE")


def initial_store(params: Params) -> Store:
    """Every token at version 1 with its initial owner."""
    return {t: (1, initial_owner(t, params.clients)) for t in range(params.tokens)}


def store_entries(store: Store) -> list[Entry]:
    return [(t, v, o) for t, (v, o) in sorted(store.items())]


def merge_into(
    store: Store, entries: list[Entry] | tuple[Entry, ...], overwrite: bool = False
) -> int:
    """Apply entries whose version is higher than the stored one (any entry,
    with `overwrite`: mutant overwrite); return how many."""
    applied = 0
    for t, v, o in entries:
        if overwrite or t not in store or v > store[t][0]:
            store[t] = (v, o)
            applied += 1
    return applied


class ServerRole:
    def __init__(self, node: Node, epoch: int, store: Store | None) -> None:
        self.node = node
        self.epoch = epoch
        self.store = store  # None: a joiner waiting for its SYNC_WRITE
        self.held: list[Message] = []  # messages of a newer epoch, in arrival order

    def snapshot(self) -> dict[str, Any]:
        return {
            "role": "server",
            "epoch": self.epoch,
            "store": None
            if self.store is None
            else [[v, o] for _, v, o in store_entries(self.store)],
        }

    def _disposition(self, msg: Message) -> str:
        """'handle', 'hold' or 'discard', by the epoch rule."""
        if msg.kind not in SERVER_KINDS:
            return "discard"
        if msg.kind == "SYNC_WRITE":
            if msg.epoch == self.epoch + 1:
                return "handle"
            return "discard" if msg.epoch <= self.epoch else "hold"
        if msg.kind in ("READ", "WRITE") and not self.node.env.params.variant.epoch_check:
            return "handle"  # mutant no-epoch-check: any epoch is handled at once
        if msg.epoch < self.epoch:
            return "discard"
        return "hold" if msg.epoch > self.epoch else "handle"

    def accepts_now(self, msg: Message) -> bool:
        return self._disposition(msg) != "hold"

    def handle(self, msg: Message) -> Effect | None:
        disposition = self._disposition(msg)
        if disposition == "hold":
            self.held.append(msg)
            self.node.env.recorder.record(
                "held", id=msg.id, node=self.node.name, epoch=self.epoch, waits_for=msg.epoch
            )
            return None
        if disposition == "discard":
            if msg.kind not in SERVER_KINDS:
                return Effect(f"discarded: {msg.kind} is not for a server")
            return Effect(f"discarded: epoch {msg.epoch}, server at epoch {self.epoch}")
        handler = {
            "READ": self._on_read,
            "WRITE": self._on_write,
            "SYNC_READ": self._on_sync_read,
            "SYNC_WRITE": self._on_sync_write,
        }[msg.kind]
        return handler(msg)

    def _check_tokens(self, entries: list[Entry]) -> None:
        tokens = self.node.env.params.tokens
        for t, _, _ in entries:
            if t >= tokens:
                raise BadMessage(f"payload.entries: token {t} out of range 0..{tokens - 1}")

    def _on_read(self, msg: Message) -> Effect:
        """ServerReceiveRead: reply with the stored value of the token, or the whole store."""
        if self.store is None:
            return Effect("discarded: no store yet (joining)")
        token = msg.payload["token"]
        if token is None:
            entries = store_entries(self.store)
        else:
            if token >= self.node.env.params.tokens:
                raise BadMessage(
                    f"payload.token: {token} out of range 0..{self.node.env.params.tokens - 1}"
                )
            v, o = self.store[token]
            entries = [(token, v, o)]
        self.node.send("READ_REPLY", msg.src, msg.tag, {"entries": entries})
        return Effect("replied")

    def _on_write(self, msg: Message) -> Effect:
        """ServerReceiveWrite: apply the entries whose version is higher, acknowledge."""
        if self.store is None:
            return Effect("discarded: no store yet (joining)")
        entries = [tuple(e) for e in msg.payload["entries"]]
        self._check_tokens(entries)
        overwrite = not self.node.env.params.variant.version_check
        applied = merge_into(self.store, entries, overwrite)
        self.node.send("WRITE_ACK", msg.src, msg.tag, {})
        return Effect(f"applied {applied} of {len(entries)}", changed=applied > 0)

    def _on_sync_read(self, msg: Message) -> Effect:
        """ServerReceiveSyncRead: send the whole store to the manager."""
        if self.store is None:
            return Effect("discarded: no store yet (joining)")
        self.node.send(
            "SYNC_STATE", msg.src, None, {"epoch": self.epoch, "entries": store_entries(self.store)}
        )
        return Effect("replied")

    def _on_sync_write(self, msg: Message) -> None:
        """ServerReceiveSyncWrite: merge the transferred store, enter epoch e+1,
        acknowledge, then handle the held messages that the new epoch admits."""
        entries = [tuple(e) for e in msg.payload["entries"]]
        self._check_tokens(entries)
        if self.store is None or not self.node.env.params.variant.sync_merge:
            self.store = {}  # mutant sync-replace: the transferred store replaces this one
        merge_into(self.store, entries)
        self.epoch = msg.epoch
        self.node.send("SYNC_ACK", msg.src, None, {"epoch": self.epoch})
        self.node.record_delivery(msg, Effect(f"entered epoch {self.epoch}", changed=True))
        # recorded here, before the held messages it releases: cause before effect
        self._release_held()
        return None

    def _release_held(self) -> None:
        ready = [m for m in self.held if self._disposition(m) != "hold"]
        self.held = [m for m in self.held if self._disposition(m) == "hold"]
        for m in ready:
            self.node.receive(m)
