"""Implementation traces against the token model: the mapping from recorded
events to the model's steps (README "Trace conformance").

The follower keeps one model state and moves it along the trace, one event at
a time, at message granularity; no search. The mapping:

- `invoked` is ClientStartPay / ClientStartGettokens; `phase` with `restart`
  is ClientRestartPhase; `role` (a client becomes a joiner) or, for a leave,
  `reconfig start` is ManagerStartTransform. Other `phase`, `reconfig` and
  `role` events, and `answered`, are the visible results of a step already
  taken: their node state (and answer) must equal the model's.
- `sent` names a message the model's last steps put in flight (its trace id
  is bound to that model message), or a reply to a phase already over,
  which the model never creates (a *ghost*: its delivery changes nothing).
- `delivered` is Receive, or Discard when the effect says `discarded`; a
  message the model has removed as dead (a reply or READ of a finished
  phase), or a ghost, is a stutter: the receiver's state must not change.
  The receiver's recorded state must equal the model's after the step; an
  event without a state claims the receiver did not change. A `quorum
  reached` state is the implementation's moment before it moves on, which
  the model's one step skips: it is not compared (the `phase`, `answered` or
  `reconfig` event after it is).
- `dropped` is a message that is never delivered: the model simply never
  delivers it (it is removed from the model's network, which changes no later
  step). `lost (faulty server)` needs a faulty server at the message's server
  end (where a request goes, where a reply comes from), as `is_fair` reads it.
- `held` is a message that stays in flight: the model must agree that it
  cannot be delivered yet (its epoch is newer than its server's).
- `bad-message` and `faults` change no model state (`faults` changes which
  servers may lose messages).
- `killed` and `restarted` (a cluster's process, README "A real cluster")
  change no model state: a down process is one whose messages are not
  delivered yet. They bound when a correct server may lose messages: a
  `dropped` message of a server that is not faulty must have been in flight
  while that server was down (killed after the message was sent, or not yet
  restarted), or be to or from a node that is no longer a server (the model
  discards those). A `restarted` state must be the model's state of the node:
  it comes back with what it committed.
- A server records the reply it sends before the delivery that caused it;
  the follower takes the cause first.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any, cast

from checker.errors import Divergence, ParameterError, TraceFormatError
from checker.protocol import ConformanceSpec, TraceEvent
from spec.tokens.actions import (
    Action,
    ClientRestartPhase,
    ClientStartGettokens,
    ClientStartPay,
    Discard,
    ManagerStartTransform,
    describe,
    format_message,
)
from spec.tokens.cluster_events import MERGED_MODE, cluster_events
from spec.tokens.config import Config
from spec.tokens.enabled import eligible, enabled_actions, message_step
from spec.tokens.model import TokenModel
from spec.tokens.params import Params
from spec.tokens.server_steps import client_phase_live, manager_phase_live
from spec.tokens.state import (
    IDLE,
    KIND_NAMES,
    PAY,
    PHASE_NAMES,
    PHASE_READ,
    PHASE_WRITE,
    READ,
    READ_REPLY,
    SYNC,
    SYNC_ACK,
    SYNC_READ,
    SYNC_STATE,
    SYNC_WRITE,
    TO_SERVER,
    WRITE,
    WRITE_ACK,
    Client,
    Manager,
    Server,
    State,
    merge_values,
    with_messages,
)

# The model's message tuple (spec.tokens.state.Message), typed for this module.
Message = tuple[Any, ...]

FORMAT, VERSION = "tokencheck-trace", 1
_TAG, _MSG = "object|null", {"id": "int|str", "kind": "str", "src": "str", "dst": "str"}
SCHEMA: dict[str, dict[str, str]] = {
    "sent": {**_MSG, "tag": _TAG, "payload": "object"},
    "delivered": {**_MSG, "tag": _TAG, "effect": "str", "?state": "object"},
    "dropped": {**_MSG, "tag": _TAG, "reason": "str"},
    "held": {"id": "int|str", "node": "str", "epoch": "int", "waits_for": "int"},
    "bad-message": {"node": "str", "error": "str"},
    "invoked": {"node": "str", "op": "int", "call": "object"},
    "phase": {"node": "str", "tag": "object", "restart": "bool", "state": "object"},
    "answered": {
        "node": "str",
        "op": "int",
        "call": "object",
        "answer": "object",
        "state": "object",
    },
    "reconfig": {
        "step": "str",
        "node": "str",
        "epoch": "int",
        "?servers": "list",
        "state": "object",
    },
    "role": {"node": "str", "role": "str", "state": "object"},
    "faults": {"faulty": "list"},
    "killed": {"node": "str"},
    "restarted": {"node": "str", "?state": "object"},
}
_REPLIES = frozenset(("READ_REPLY", "WRITE_ACK", "SYNC_STATE", "SYNC_ACK"))
_KIND = {name: i for i, name in enumerate(KIND_NAMES)}
_PHASE = {"read": 1, "write": 2, "write-back": 3}
# How far ahead the follower looks for the delivery that caused a reply.
LOOKAHEAD = 10_000


class _Bad(Exception):
    """A field of a node state that cannot be read (becomes TraceFormatError)."""


def start(header: Mapping[str, Any]) -> TokenFollower:
    return TokenFollower(header)


CONFORMANCE = ConformanceSpec(
    format=FORMAT,
    version=VERSION,
    events=SCHEMA,
    start=start,
    node_difference=lambda model, state, name, snapshot: node_difference(
        model, state, name, snapshot
    ),
)


class TokenFollower:
    """One trace's walk through the token model; see the module docstring."""

    def __init__(self, header: Mapping[str, Any]) -> None:
        params = header.get("params")
        if not isinstance(params, dict):
            raise TraceFormatError(1, "params", "missing: the header names the system's sizes")
        sizes = {}
        for key, low in (("servers", 1), ("clients", 1), ("tokens", 1)):
            value = params.get(key)
            if type(value) is not int or value < low:
                raise TraceFormatError(
                    1, f"params.{key}", f"expected an integer >= 1, got {value!r}"
                )
            sizes[key] = value
        fast_read = params.get("fast_read", False)
        if type(fast_read) is not bool:
            raise TraceFormatError(
                1, "params.fast_read", f"expected true or false, got {fast_read!r}"
            )
        config = Config(
            fast_read=fast_read,
            servers=sizes["servers"],
            clients=sizes["clients"],
            tokens=sizes["tokens"],
            faulty=0,
            ops=1 << 30,
            reconfigs=1 << 30,
        )
        try:
            self.model = TokenModel(config)
        except ParameterError as error:
            raise TraceFormatError(
                1, f"params.{error.option}", f"{error.value!r}: {error.allowed}"
            ) from None
        self.names = self.model.params.names
        self.ids = {name: i for i, name in enumerate(self.names)}
        faulty = params.get("faulty")
        if not isinstance(faulty, list):
            raise TraceFormatError(
                1, "params.faulty", f"expected a list of servers, got {faulty!r}"
            )
        self._set_faulty(1, "params.faulty", faulty)
        self.mode = header.get("mode")
        self.state: State = self.model.initial_states()[0]
        self.before = self.state  # the state before the current event
        self.line = 1
        self.event: Mapping[str, Any] = {}
        self.live: dict[int, tuple[Message, bool]] = {}  # trace id -> (model message, not a ghost)
        self.bound: set[Message] = set()  # model messages some trace id names
        self.sent_ids: set[int] = set()
        self.sent_at: dict[Any, int] = {}  # trace id -> the line of its `sent`
        # node -> its down windows: [line of `killed`, line of `restarted` or None]
        self.windows: dict[int, list[list[int | None]]] = {}
        # Held messages wait outside the model's network (see _held).
        self.parked: set[Message] = set()
        self.gone: dict[int, int] = {}  # trace id -> line where it was delivered or dropped
        self.answers: dict[int, dict[str, Any]] = {}  # what each completed operation answers
        # per client, (operation, what its whole read found)
        self.read_values: dict[int, tuple[int, tuple[Any, ...]]] = {}

    # -- the walk ------------------------------------------------------------

    def follow(self, events: Iterator[TraceEvent]) -> int:
        handlers: dict[str, Callable[[Mapping[str, Any]], None]] = {
            "sent": self._sent,
            "delivered": self._delivered,
            "dropped": self._dropped,
            "held": self._held,
            "invoked": self._invoked,
            "phase": self._phase,
            "answered": self._answered,
            "reconfig": self._reconfig,
            "role": self._role,
            "faults": self._faults,
            "bad-message": _changes_nothing,
            "killed": self._killed,
            "restarted": self._restarted,
        }
        if self.mode == MERGED_MODE:
            events = cluster_events(events)
        count = 0
        for line, event in causes_first(events):
            self.line, self.event, self.before = line, event, self.state
            handlers[event["event"]](event)
            count += 1
        self._finish()
        return count

    def _finish(self) -> None:
        unsent = [m for m in self.state.network if m not in self.bound]
        if unsent:
            self._diverge(
                f"at the end of the trace: the specification sent {self._msg(unsent[0])}, "
                "which the trace never sends",
                nodes=(unsent[0][1],),
            )

    # -- messages ------------------------------------------------------------

    def _sent(self, e: Mapping[str, Any]) -> None:
        m = self._message(e)
        msg_id = e["id"]
        if msg_id in self.sent_ids:
            raise TraceFormatError(
                self.line, "id", f"message {msg_id} was already sent; ids name one message each"
            )
        self.sent_ids.add(msg_id)
        self.sent_at[msg_id] = self.line
        if m in self.bound:
            self._diverge(f"sends {self._msg(m)} a second time", nodes=(m[1],))
        if m in self.state.network:
            self.live[msg_id] = (m, True)
            self.bound.add(m)
            return
        if e["kind"] in _REPLIES and not self._phase_live(m):
            self.live[msg_id] = (m, False)  # a reply to a finished phase: the model has none
            return
        expected = [
            x for x in self.state.network if x not in self.bound and x[1] == m[1] and x[2] == m[2]
        ]
        hint = f"; it sends {self._msg(expected[0])} instead" if expected else ""
        self._diverge(
            f"sends {self._msg(m)}, which the specification does not send here{hint}",
            nodes=(m[1], m[2]),
        )

    def _phase_live(self, m: Message) -> bool:
        if m[0] in (SYNC_STATE, SYNC_ACK):
            return manager_phase_live(self.state, m[4], 1 if m[0] == SYNC_STATE else 2)
        return client_phase_live(self.state, m[3], m[4], m[5], m[6])

    def _take(self, e: Mapping[str, Any], how: str) -> tuple[Message, bool]:
        """The message an event names: sent before, not yet delivered or dropped."""
        msg_id = e["id"]
        if msg_id not in self.sent_ids:
            raise TraceFormatError(
                self.line, "id", f"message {msg_id} was never sent (no earlier 'sent' event)"
            )
        if msg_id in self.gone:
            self._diverge(
                f"message {msg_id} is {how} after it was already delivered or dropped "
                f"(line {self.gone[msg_id]})"
            )
        m, live = self.live[msg_id]
        for field in ("kind", "src", "dst"):
            if field in e and e[field] != self._field(m, field):
                raise TraceFormatError(
                    self.line,
                    field,
                    f"message {msg_id} was sent with {field} {self._field(m, field)!r}, "
                    f"here {e[field]!r}",
                )
        if how != "held":
            del self.live[msg_id]
            self.gone[msg_id] = self.line
            self.bound.discard(m)
            if m in self.parked:
                self.parked.discard(m)
                if not self._in_flight_kind_live(m):
                    return m, False
                self.state = self.state._replace(network=with_messages(self.state.network, [m]))
        return m, live and m in self.state.network

    def _in_flight_kind_live(self, m: Message) -> bool:
        """Would the model still hold `m` in flight, or has it removed it as dead
        (a READ, reply or acknowledgement of a phase that is over)?"""
        kind = m[0]
        if kind in (WRITE, SYNC_WRITE):
            return True
        if kind in (SYNC_READ, SYNC_STATE, SYNC_ACK):
            return manager_phase_live(self.state, m[4], 2 if kind == SYNC_ACK else 1)
        return client_phase_live(self.state, m[3], m[4], m[5], m[6])

    def _delivered(self, e: Mapping[str, Any]) -> None:
        m, live = self._take(e, "delivered")
        dst = m[2]
        before = self.state
        if not live:  # dead in the model: a stutter
            self._check_node(e, dst, before, before)
            return
        step = message_step(self.model.params, before, m)
        discarded = e["effect"].startswith("discarded")
        if step is None:
            self._diverge(
                f"delivers {self._msg(m)}, but the specification holds it: its epoch {m[6]} "
                f"is newer "
                f"than {self.names[dst]}'s",
                nodes=(dst,),
            )
        if discarded != isinstance(step, Discard):
            wants = (
                "discards it (an older epoch, or no longer a server)"
                if isinstance(step, Discard)
                else "delivers it"
            )
            self._diverge(
                f"{self.names[dst]} {e['effect']!r} {self._msg(m)}; the specification {wants}",
                nodes=(dst,),
            )
        after = self.model.next_state(before, cast(Action, step))
        if m[0] in (READ_REPLY, WRITE_ACK, SYNC_STATE, SYNC_ACK):
            self._check_quorum(e, m, before, after)
        self.state = after
        self._check_node(e, dst, before, after)

    def _check_quorum(self, e: Mapping[str, Any], m: Message, before: State, after: State) -> None:
        """The implementation and the model agree on whether this answer completed a phase."""
        dst = m[2]
        if m[0] in (SYNC_STATE, SYNC_ACK):
            mgr, now = before.manager, after.manager
            if mgr is None:
                return  # a live SYNC message implies a change in progress
            done = now is None or now.phase != mgr.phase
            servers = before.servers if m[0] == SYNC_STATE else mgr.servers
            needed, answered = self.model.params.quorum(len(servers)), mgr.answered
        else:
            was, new = cast(Client, before.nodes[dst]), cast(Client, after.nodes[dst])
            done = new.phase != was.phase or new.epoch != was.epoch
            needed, answered = was.needed, was.answered
            if done and was.phase == PHASE_READ and new.phase != PHASE_READ:
                # what the whole read found: with fast-read the write-back (and
                # so the client's state) holds only the tokens the replies disputed.
                # The next phase may be in a newer epoch (an install came before
                # the read's last reply): the read is complete all the same.
                self.read_values[dst] = (m[4], merge_values(was.values, m[7]))
            if done and new.phase == IDLE:
                self.answers[dst] = self._answer(dst, was)
        reached = e["effect"].startswith("quorum reached")
        if reached != done:
            self._diverge(
                f"{self.names[dst]} says {e['effect']!r} after {answered.bit_count() + 1} answers; "
                f"the specification needs {needed} (q(n) of that configuration)",
                nodes=(dst,),
            )

    def _answer(self, client: int, c: Client) -> dict[str, Any]:
        assert c.op is not None
        kind, _, owner = c.op
        values = c.values
        op, read = self.read_values.get(client, (-1, ()))
        if c.phase != PHASE_WRITE and op == self.state.started[client] and read:
            # with fast-read the write-back holds only the disputed tokens
            values = read if self.model.params.fast_read or c.phase == PHASE_READ else values
        if kind == PAY:
            _, version, holder = values[0]
            if c.phase == PHASE_WRITE:
                return {"answer": "OK", "version": version}
            return {"answer": "NOT_OWNER", "version": version, "owner": self.names[holder]}
        return {"answer": "TOKENS", "tokens": [[t, v] for t, v, o in values if o == owner]}

    def _dropped(self, e: Mapping[str, Any]) -> None:
        sent = self.sent_at.get(e["id"], 0)
        m, live = self._take(e, "dropped")
        server = m[2] if m[0] in TO_SERVER else m[1]
        if not self.model.params.is_faulty(server):
            if e["reason"].startswith("lost"):
                self._diverge(
                    f"loses {self._msg(m)}, but {self.names[server]} is not faulty: links "
                    "between correct nodes are reliable",
                    nodes=(server,),
                )
            if type(self.state.nodes[server]) is Server and not self._down_since(server, sent):
                name = self.names[server]
                self._diverge(
                    f"loses {self._msg(m)}, sent at line {sent}, but {name} is not faulty and "
                    f"was not down in between (no `killed` of {name} before this line that was "
                    f"not followed by its `restarted` before line {sent}): a correct server's "
                    "messages are lost "
                    "only while its process is down",
                    nodes=(server,),
                )
        if live:
            network = self.state.network
            i = network.index(m)
            self.state = self.state._replace(network=network[:i] + network[i + 1 :])

    def _down_since(self, node: int, sent: int) -> bool:
        """Was `node`'s process down at some moment between line `sent` and this
        drop's line? (A drop of a request that was never delivered is read at
        the end of a merged trace, so the lines decide, not the reading order.)"""
        return any(
            kill is not None and kill <= self.line and (back is None or back >= sent)
            for kill, back in self.windows.get(node, ())
        )

    def _killed(self, e: Mapping[str, Any]) -> None:
        windows = self.windows.setdefault(self._process(e["node"]), [])
        if not windows or windows[-1][1] is not None:
            windows.append([self.line, None])

    def _restarted(self, e: Mapping[str, Any]) -> None:
        """A process starts again, with the state it committed. Without a
        recorded `killed`, it was down just before this line."""
        node = self._process(e["node"])
        windows = self.windows.setdefault(node, [])
        if windows and windows[-1][1] is None:
            windows[-1][1] = self.line
        else:
            windows.append([self.line, self.line])
        if "state" in e:
            self._check_node(e, node, self.state, self.state)

    def _process(self, name: object) -> int:
        if name == "manager":
            return self.model.params.manager
        return self._node(name, "node")

    def _held(self, e: Mapping[str, Any]) -> None:
        m, live = self._take(e, "held")
        if not live:
            return
        server = self.state.nodes[m[2]]
        step = message_step(self.model.params, self.state, m)
        if step is not None:
            wants = "discards" if isinstance(step, Discard) else "delivers"
            self._diverge(
                f"{e['node']} holds {self._msg(m)}; the specification {wants} it now", nodes=(m[2],)
            )
        if type(server) is Server and server.epoch != e["epoch"]:
            self._diverge(
                f"{e['node']} holds it at epoch {e['epoch']}; the specification's {e['node']} "
                f"is at epoch {server.epoch}",
                nodes=(m[2],),
            )
        # Parked outside the network until delivered: a server that missed its
        # SYNC_WRITE holds messages forever, and the network must stay small.
        network = self.state.network
        i = network.index(m)
        self.state = self.state._replace(network=network[:i] + network[i + 1 :])
        self.parked.add(m)

    # -- client and manager events -------------------------------------------

    def _invoked(self, e: Mapping[str, Any]) -> None:
        c = self._node(e["node"], "node")
        call = e["call"]
        try:
            if call["op"] == "pay":
                token = call["token"]
                if type(token) is not int or not 0 <= token < self.model.params.tokens:
                    raise _Bad(
                        f"call.token: expected 0..{self.model.params.tokens - 1}, got {token!r}"
                    )
                action: Action = ClientStartPay(c, token, self._node(call["to"], "call.to"))
            elif call["op"] == "gettokens":
                action = ClientStartGettokens(c, self._node(call["owner"], "call.owner"))
            else:
                raise _Bad(f"call.op: expected pay or gettokens, got {call['op']!r}")
        except (KeyError, TypeError) as error:
            raise TraceFormatError(
                self.line, "call", f"expected {{op, token, to}} or {{op, owner}}: {error}"
            ) from None
        except _Bad as error:
            raise TraceFormatError(
                self.line, str(error).split(":")[0], str(error).split(": ", 1)[1]
            ) from None
        s = self.state
        node = s.nodes[c]
        if type(node) is not Client or node.phase != IDLE:
            self._diverge(
                f"{e['node']} starts an operation, but the specification's {e['node']} "
                "is not an idle client",
                nodes=(c,),
            )
        if e["op"] != s.started[c] + 1:
            self._diverge(
                f"{e['node']} starts operation {e['op']}; the specification's next is "
                f"{s.started[c] + 1}",
                nodes=(c,),
            )
        if isinstance(action, ClientStartPay):
            target = action.payee
        else:
            target = cast(ClientStartGettokens, action).owner
        if type(s.nodes[target]) is not Client or (
            isinstance(action, ClientStartPay) and target == c
        ):
            self._diverge(
                f"{e['node']} names {self.names[target]}, which is not another current client",
                nodes=(c, target),
            )
        self.state = self.model.next_state(s, action)

    def _phase(self, e: Mapping[str, Any]) -> None:
        c = self._node(e["node"], "node")
        if e["restart"]:
            node = self.state.nodes[c]
            if type(node) is not Client or node.phase == IDLE or node.epoch >= self.state.epoch:
                self._diverge(
                    f"{e['node']} restarts its phase; the specification allows a restart only "
                    "after a newer configuration is installed",
                    nodes=(c,),
                )
            self.state = self.model.next_state(self.state, ClientRestartPhase(c))
        self._check_node(e, c, self.state, self.state)

    def _answered(self, e: Mapping[str, Any]) -> None:
        c = self._node(e["node"], "node")
        expected = self.answers.pop(c, None)
        if expected is None:
            self._diverge(
                f"{e['node']} answers, but the specification has not completed its operation",
                nodes=(c,),
            )
        if e["answer"] != expected:
            self._diverge(
                f"{e['node']} answers {_json(e['answer'])}; the specification answers "
                f"{_json(expected)}",
                nodes=(c,),
            )
        self._check_node(e, c, self.state, self.state)

    def _reconfig(self, e: Mapping[str, Any]) -> None:
        node = self._node(e["node"], "node")
        step, s = e["step"], self.state
        if step == "start" and s.manager is None:
            self._start_change(node)
        elif step not in ("start", "merge", "install"):
            raise TraceFormatError(
                self.line, "step", f"expected start, merge or install, got {step!r}"
            )
        manager = self.state.manager
        if step == "install" and (manager is not None or self.state.epoch != e["epoch"]):
            self._diverge(
                f"installs epoch {e['epoch']}; the specification has not installed it",
                nodes=(self.model.params.manager,),
            )
        if step != "install" and (manager is None or manager.target != node):
            self._diverge(
                f"{step} of a change of {e['node']}, which the specification is not making",
                nodes=(self.model.params.manager,),
            )
        self._check_node(e, self.model.params.manager, self.state, self.state)

    def _role(self, e: Mapping[str, Any]) -> None:
        node = self._node(e["node"], "node")
        if e["role"] == "server" and self.state.manager is None:
            self._start_change(node)  # a join starts when the client becomes a joiner
        self._check_node(e, node, self.state, self.state)

    def _start_change(self, node: int) -> None:
        p, s = self.model.params, self.state
        if s.manager is not None or not eligible(p, s, node):
            self._diverge(
                f"starts a role change of {self.names[node]}, which the specification "
                "does not allow now",
                nodes=(node,),
            )
        self.state = self.model.next_state(s, ManagerStartTransform(node))

    def _faults(self, e: Mapping[str, Any]) -> None:
        self._set_faulty(self.line, "faulty", e["faulty"])

    def _set_faulty(self, line: int, field: str, names: list[Any]) -> None:
        mask = 0
        for name in names:
            if not isinstance(name, str) or name not in self.ids or name == "manager":
                raise TraceFormatError(line, field, f"unknown node {name!r}")
            mask |= 1 << self.ids[name]
        self.model.params = replace(self.model.params, faulty_mask=mask)

    # -- trace fields to model values ----------------------------------------

    def _node(self, name: object, field: str) -> int:
        i = self.ids.get(name) if isinstance(name, str) else None
        if i is None or i == self.model.params.manager:
            n = self.model.params.servers
            known = f"{self.names[0]}..{self.names[n - 1]}, {self.names[n]}..{self.names[-2]}"
            raise TraceFormatError(
                self.line, field, f"unknown node {name!r:.40}; nodes are {known}"
            )
        return i

    def _message(self, e: Mapping[str, Any]) -> Message:
        """A `sent` event as the model's message tuple."""
        kind = _KIND.get(e["kind"])
        if kind is None:
            raise TraceFormatError(
                self.line, "kind", f"expected one of {', '.join(KIND_NAMES)}, got {e['kind']!r:.40}"
            )
        manager = self.model.params.manager
        src = manager if e["src"] == "manager" else self._node(e["src"], "src")
        dst = manager if e["dst"] == "manager" else self._node(e["dst"], "dst")
        payload = e["payload"]
        try:
            if kind <= WRITE_ACK:
                tag = e["tag"]
                if not isinstance(tag, dict):
                    raise _Bad("tag: expected {client, op, phase, epoch}")
                client = self._node(tag.get("client"), "tag.client")
                op, epoch, phase = tag.get("op"), tag.get("epoch"), _PHASE.get(tag.get("phase"))  # type: ignore[arg-type]
                if type(op) is not int or type(epoch) is not int or phase is None:
                    raise _Bad(
                        "tag: expected op and epoch integers and a phase read, write or "
                        f"write-back, got {tag!r:.80}"
                    )
                return (
                    kind,
                    src,
                    dst,
                    client,
                    op,
                    phase,
                    epoch,
                    self._client_payload(kind, payload, client, op),
                )
            epoch = payload.get("epoch")
            if type(epoch) is not int:
                raise _Bad(f"payload.epoch: expected an integer, got {epoch!r:.40}")
            change = epoch + 1 if kind in (SYNC_READ, SYNC_STATE) else epoch
            body: Any = ()
            if kind == SYNC_STATE:
                body = self._store(payload.get("entries"))
            elif kind == SYNC_WRITE:
                servers = payload.get("servers")
                if not isinstance(servers, list):
                    raise _Bad("payload.servers: expected a list of servers")
                ids = tuple(sorted(self._node(x, "payload.servers") for x in servers))
                body = (ids, self._store(payload.get("entries")))
            return (kind, src, dst, manager, change, SYNC, epoch, body)
        except _Bad as error:
            field, problem = str(error).split(": ", 1)
            raise TraceFormatError(self.line, field, problem) from None

    def _client_payload(self, kind: int, payload: Mapping[str, Any], client: int, op: int) -> Any:
        if kind == WRITE_ACK:
            return ()
        if kind == READ:
            token = payload.get("token", "missing")
            if token is None:
                return tuple(range(self.model.params.tokens))
            if type(token) is not int:
                raise _Bad(f"payload.token: expected a token number or null, got {token!r:.40}")
            return (token,)
        return self._entries(payload.get("entries"))

    def _entries(self, entries: object) -> tuple[tuple[int, int, int], ...]:
        ids = self.ids
        try:  # the fast path; on any doubt, the slow one names the bad field
            out = tuple((t, v, ids[o]) for t, v, o in entries)  # type: ignore[attr-defined]
            if all(type(t) is int and type(v) is int for t, v, _ in out):
                return out
        except (KeyError, TypeError, ValueError):
            pass
        return tuple(self._checked_entries(entries))

    def _checked_entries(self, entries: object) -> Iterator[tuple[int, int, int]]:
        if not isinstance(entries, list):
            raise _Bad(
                f"payload.entries: expected a list of [token, version, owner], got {entries!r:.40}"
            )
        for i, entry in enumerate(entries):
            if not (
                isinstance(entry, list)
                and len(entry) == 3
                and type(entry[0]) is int
                and type(entry[1]) is int
            ):
                raise _Bad(
                    f"payload.entries[{i}]: expected [token, version, owner], got {entry!r:.60}"
                )
            yield entry[0], entry[1], self._node(entry[2], f"payload.entries[{i}].owner")

    def _store(self, entries: object) -> tuple[tuple[int, int] | None, ...]:
        store: list[tuple[int, int] | None] = [None] * self.model.params.tokens
        for t, v, o in self._entries(entries):
            if not 0 <= t < len(store):
                raise _Bad(f"payload.entries: token {t} out of range 0..{len(store) - 1}")
            store[t] = (v, o)
        return tuple(store)

    def _field(self, m: Message, field: str) -> str:
        if field == "kind":
            return KIND_NAMES[m[0]]
        return self.names[m[1] if field == "src" else m[2]]

    # -- node states ---------------------------------------------------------

    def _check_node(self, e: Mapping[str, Any], node: int, before: State, after: State) -> None:
        """The recorded state equals the model's; no recorded state: unchanged."""
        name = self.names[node]
        if e.get("effect", "").startswith("quorum reached"):
            return
        if "state" not in e:
            if before is after or self._raw(before, node) == self._raw(after, node):
                return
            if self._view(before, node) != self._view(after, node):
                self._diverge(
                    f"{name} records no change; the specification's {name} changes", nodes=(node,)
                )
            return
        recorded = e["state"]
        node_state = after.nodes[node] if node < len(after.nodes) else None
        if (
            type(node_state) is Server
            and recorded.get("role") == "server"
            and recorded.get("epoch") == node_state.epoch
            and self._same_store(recorded.get("store"), node_state.store)
        ):
            return
        try:
            got = _impl_view(recorded)
        except (_Bad, KeyError, TypeError, ValueError, AttributeError) as error:
            raise TraceFormatError(
                self.line, "state", f"not a node state as the README describes ({error})"
            ) from None
        want = self._view(after, node)
        if self.model.params.fast_read:
            got = _written_back_only(got, want)
        if got != want:
            self._diverge(_difference(name, got, want, self._view(before, node)), nodes=(node,))

    def _raw(self, s: State, i: int) -> object:
        """A node's model state as stored (cheap to compare)."""
        if i == self.model.params.manager:
            return s.manager
        return s.nodes[i], s.started[i]

    def _same_store(self, recorded: object, store: tuple[Any, ...] | None) -> bool:
        if recorded is None or store is None:
            return recorded is None and store is None
        ids = self.ids
        try:
            return tuple((v, ids[o]) for v, o in recorded) == store  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError):
            return False

    def _view(self, s: State, i: int) -> dict[str, Any]:
        return model_view(self.model.params, s, i)

    # -- divergence ------------------------------------------------------------

    def _msg(self, m: Message) -> str:
        return format_message(m, self.names)

    def _diverge(self, reason: str, nodes: tuple[int, ...] = ()) -> None:
        s, names = self.state, self.names
        view = self.model.describe_state(s)
        states = {"config": str(view["config"])}
        for i in dict.fromkeys(nodes):
            states[names[i]] = str(view[names[i]])
        allowed: list[str] = []
        starters = []
        for action in enabled_actions(self.model.params, self.before):
            if isinstance(action, (ClientStartPay, ClientStartGettokens)):
                if names[action.client] not in starters:
                    starters.append(names[action.client])
                continue
            allowed.append(describe(action, names))
        # the steps of the nodes involved first
        involved = [names[i] for i in nodes]
        allowed.sort(
            key=lambda text: (
                not any(name in text.split() for name in involved)
                and not any(f"{name}->" in text or f"->{name}" in text for name in involved)
            )
        )
        if starters:
            allowed.append(f"ClientStartPay / ClientStartGettokens by {', '.join(starters)}")
        raise Divergence(self.line, _json(dict(self.event))[:400], reason, states, allowed)


def model_view(params: Params, s: State, i: int) -> dict[str, Any]:
    """A node's model state in the shape `_impl_view` gives a recorded one."""
    names = params.names
    if i == params.manager:
        return {
            "role": "manager",
            "change": None if s.manager is None else _manager_view(names, s.manager),
        }
    node = s.nodes[i]
    if type(node) is Server:
        store = (
            None
            if node.store is None
            else [None if x is None else [x[0], names[x[1]]] for x in node.store]
        )
        return {"role": "server", "epoch": node.epoch, "store": store}
    node = cast(Client, node)
    pending = None
    if node.phase != IDLE and node.op is not None:
        kind, token, target = node.op
        call = (
            {"op": "pay", "token": token, "to": names[target]}
            if kind == PAY
            else {"op": "gettokens", "owner": names[target]}
        )
        best: list[list[Any]] = [[t, v, names[o]] for t, v, o in node.values]
        if node.phase == PHASE_WRITE:  # the pay read version v and writes v+1; the model
            best = [[t, v - 1] for t, v, _ in node.values]  # keeps no owner read
        pending = {
            "op": s.started[i],
            "call": call,
            "phase": PHASE_NAMES[node.phase],
            "epoch": node.epoch,
            "answered": sorted(names[x] for x in _bits(node.answered)),
            "best": best,
        }
    return {"role": "client", "ops": s.started[i], "pending": pending}


def _manager_view(names: tuple[str, ...], m: Manager) -> dict[str, Any]:
    answered = sorted(names[x] for x in _bits(m.answered))
    return {
        "node": names[m.target],
        "step": "sync-read" if m.phase == 1 else "sync-write",
        "servers": sorted(names[x] for x in m.servers),
        "answered": answered,
    }


def node_difference(
    model: TokenModel, state: State, name: str, snapshot: Mapping[str, Any]
) -> str | None:
    """Why an implementation node's state (its recorded snapshot) is not the
    model's state of that node, or None when they agree."""
    params = model.params
    got, want = _impl_view(snapshot), model_view(params, state, params.names.index(name))
    if params.fast_read:
        got = _written_back_only(got, want)
    return None if got == want else _difference(name, got, want, {})


def _written_back_only(got: dict[str, Any], want: dict[str, Any]) -> dict[str, Any]:
    """With fast-read, a write-back phase's model state holds only the tokens
    it writes back, the implementation's its whole read: compare those tokens."""
    mine, theirs = got.get("pending"), want.get("pending")
    if not mine or not theirs or mine["phase"] != "write-back" or theirs["phase"] != "write-back":
        return got
    tokens = {entry[0] for entry in theirs["best"]}
    kept = [entry for entry in mine["best"] if entry[0] in tokens]
    return {**got, "pending": {**mine, "best": kept}}


def _changes_nothing(event: Mapping[str, Any]) -> None:
    """A malformed message dropped by a node: no model step."""


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _impl_view(state: Mapping[str, Any]) -> dict[str, Any]:
    """A recorded node state, less what the model does not track (a client's
    queue and its phase's server list, the manager's old configuration)."""
    role = state["role"]
    if role == "server":
        store = state["store"]
        return {
            "role": "server",
            "epoch": state["epoch"],
            "store": None if store is None else [list(x) for x in store],
        }
    if role == "client":
        p = state["pending"]
        pending = None
        if p is not None:
            pending = {
                "op": p["op"],
                "call": dict(p["call"]),
                "phase": p["phase"],
                "epoch": p["epoch"],
                "answered": sorted(p["answered"]),
                "best": [list(x) if p["phase"] != "write" else list(x[:2]) for x in p["best"]],
            }
        return {"role": "client", "ops": state["ops"], "pending": pending}
    if role == "manager":
        c = state["change"]
        change = None
        if c is not None:
            step = c["step"]
            change = {
                "node": c["node"],
                "step": step,
                "servers": sorted(c["to"]["servers"]),
                "answered": sorted(c["read_from"] if step == "sync-read" else c["acks"]),
            }
        return {"role": "manager", "change": change}
    raise _Bad(f"role: expected server, client or manager, got {role!r}")


def _difference(name: str, got: dict[str, Any], want: dict[str, Any], was: dict[str, Any]) -> str:
    """Why a recorded node state is not the model's, in the protocol's words
    where a store is concerned (a token's version and owner)."""
    g, w, b = got.get("store"), want.get("store"), was.get("store")
    if isinstance(g, list) and isinstance(w, list) and len(g) == len(w) and g != w:
        t = next(i for i, (x, y) in enumerate(zip(g, w, strict=True)) if x != y)
        text = (
            f"{name}'s store differs at token {t}: implementation {_entry(g[t])}, "
            f"specification {_entry(w[t])}"
        )
        if isinstance(b, list) and b[t] and g[t] and g[t][0] < b[t][0]:
            text += f" (the store went back from {_entry(b[t])})"
        elif isinstance(b, list) and b[t] and g[t] and g[t][0] == b[t][0] and g[t][1] != b[t][1]:
            text += f" (the owner changed without a new version, was {_entry(b[t])})"
        return text
    if isinstance(g, list) and w is None and "store" in want:
        return (
            f"{name} has a store of {len(g)} tokens; the specification's {name} has none "
            f"(a joiner has no store until its SYNC_WRITE)"
        )
    path, x, y = _first_difference(got, want)
    return (
        f"{name}'s state differs at {path}: implementation {_short(x)}, specification {_short(y)}"
    )


def _entry(entry: Any) -> str:
    return "missing" if not entry else f"v{entry[0]}/{entry[1]}"


def _short(value: object) -> str:
    text = _json(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _first_difference(a: Any, b: Any, path: str = "") -> tuple[str, Any, Any]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in (*a, *(k for k in b if k not in a)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return path or "state", a, b


def causes_first(events: Iterator[TraceEvent]) -> Iterator[TraceEvent]:
    """The events with each server's reply `sent` moved after the delivery
    that caused it (a server records the send first, under its own lock, so
    the cause is its next `delivered`)."""
    window: deque[TraceEvent] = deque()
    source = iter(events)
    while True:
        if window:
            item = window.popleft()
        else:
            nxt = next(source, None)
            if nxt is None:
                return
            item = nxt
        e = item[1]
        if e["event"] == "sent" and e["kind"] in _REPLIES:
            server = e["src"]
            found = next(
                (
                    i
                    for i, (_, x) in enumerate(window)
                    if x["event"] == "delivered" and x["dst"] == server
                ),
                None,
            )
            while found is None and len(window) < LOOKAHEAD:
                nxt = next(source, None)
                if nxt is None:
                    break
                window.append(nxt)
                if nxt[1]["event"] == "delivered" and nxt[1]["dst"] == server:
                    found = len(window) - 1
            if found is not None:
                cause = window[found]
                del window[found]
                yield cause
        yield item
