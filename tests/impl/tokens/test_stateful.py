"""Hypothesis drives the step-mode implementation with pays, gettokens and role
changes (maxf(n) faulty servers losing messages, random delivery order), and
checks every answer against a plain sequential ledger."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from impl.tokens.audit import conservation
from impl.tokens.cluster import Cluster
from impl.tokens.config import MAX_SERVERS, MIN_SERVERS, Params, initial_owner, maxf
from impl.tokens.errors import Refused
from impl.tokens.operations import Installed, NotOwner, Ok, Tokens


class Ledger:
    """The sequential meaning of the operations: one (version, owner) per token."""

    def __init__(self, servers: tuple[str, ...], faulty: frozenset[str]) -> None:
        self.tokens = {t: (1, initial_owner(t)) for t in range(60)}
        self.servers = list(servers)
        self.faulty = faulty
        self.epoch = 0

    def pay(self, client: str, token: int, to: str) -> Ok | NotOwner:
        v, o = self.tokens[token]
        if o != client:
            return NotOwner(v, o)
        self.tokens[token] = (v + 1, to)
        return Ok(v + 1)

    def gettokens(self, owner: str) -> Tokens:
        return Tokens(tuple((t, v) for t, (v, o) in sorted(self.tokens.items()) if o == owner))

    def transform(self, x: str) -> Installed | None:
        """The new configuration, or None if the change must be refused."""
        servers = [s for s in self.servers if s != x] if x in self.servers else [*self.servers, x]
        if not MIN_SERVERS <= len(servers) <= MAX_SERVERS:
            return None
        if sum(1 for s in servers if s in self.faulty) > maxf(len(servers)):
            return None
        self.servers, self.epoch = servers, self.epoch + 1
        return Installed(self.epoch, tuple(servers))


class PaymentSystem(RuleBasedStateMachine):
    @initialize(servers=st.integers(MIN_SERVERS, MAX_SERVERS), seed=st.integers(0, 2**16))
    def build(self, servers: int, seed: int) -> None:
        self.cluster = Cluster(Params(servers=servers, drop=0.5, seed=seed), mode="step")
        self.ledger = Ledger(self.cluster.servers(), self.cluster.env.faulty)

    @rule(data=st.data(), token=st.integers(0, 59), owner_pays=st.booleans())
    def pay(self, data: st.DataObject, token: int, owner_pays: bool) -> None:
        clients = self.cluster.clients()
        owner = self.ledger.tokens[token][1]
        payer = owner if owner_pays and owner in clients else data.draw(st.sampled_from(clients))
        to = data.draw(st.sampled_from([c for c in clients if c != payer]))
        answer = self.cluster.run(self.cluster.pay(payer, token, to))
        assert answer == self.ledger.pay(payer, token, to)

    @rule(data=st.data())
    def gettokens(self, data: st.DataObject) -> None:
        clients = self.cluster.clients()
        client, owner = data.draw(st.sampled_from(clients)), data.draw(st.sampled_from(clients))
        answer = self.cluster.run(self.cluster.gettokens(client, owner))
        assert answer == self.ledger.gettokens(owner)

    @rule(data=st.data())
    def transform(self, data: st.DataObject) -> None:
        x = data.draw(st.sampled_from(self.cluster.servers() + self.cluster.clients()))
        expected = self.ledger.transform(x)
        try:
            answer = self.cluster.run(self.cluster.transform(x))
        except Refused:
            assert expected is None, f"transform({x}) refused, expected {expected}"
            return
        assert answer == expected

    @invariant()
    def conservation_holds(self) -> None:
        if hasattr(self, "cluster"):
            assert conservation(self.cluster) == []


PaymentSystem.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_the_implementation_answers_like_a_sequential_ledger = PaymentSystem.TestCase
