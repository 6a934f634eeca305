"""The Byzantine generals as threads, written from Lamport, Shostak and
Pease's oral messages algorithm OM(m) (not from spec/): every general is a
thread with an inbox; the primary proposes an order, every general relays
what it receives to the generals not yet on the message's path, and decides
by the recursive majority once every message addressed to it has arrived.
A faulty general flips each order it sends with probability 1/2 (seeded).

    army = Army(4, seed=1)
    run = army.order("attack")        # a RunResult: every general's decision
    army.stop()
"""

from impl.generals.army import Army, RunResult
from impl.generals.errors import BadCommand, GeneralsError

__all__ = ["Army", "BadCommand", "GeneralsError", "RunResult"]
