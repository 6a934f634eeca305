"""What one cluster call costs inside our code, apart from gRPC and the kernel:
signing, verifying, encoding and validating a frame, the server's owner check
of a WRITE's proofs, and a SQLite commit (WAL, synchronous=FULL: the fsync).
Compare with bench_cluster.py's CPU per pay to see what bounds the cluster.

    python3 benchmarks/bench_cluster_parts.py
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
import timeit

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from impl.cluster.auth import Keys
from impl.cluster.codec import decode, encode
from impl.cluster.durable import DurableStore, State
from impl.cluster.ownership import check_write
from impl.tokens.config import Params
from impl.tokens.messages import Message, Tag
from impl.tokens.server import initial_store

N = 5000
SERVERS = ("s1", "s2", "s3")


def micros(f: object, number: int = N) -> float:
    return timeit.timeit(f, number=number) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    keys = Keys({"c1": b"k" * 32, "s1": b"s" * 32})
    tag = Tag("c1", 5, "read", 0)
    reply = Message("READ_REPLY", "s1", "c1", tag, {"entries": [(3, 4, "c1")]})
    proofs = [keys.sign("s1", "c1", "Reply", encode(reply, 3).SerializeToString()) for _ in SERVERS]
    write = Message("WRITE", "c1", "s1", Tag("c1", 5, "write", 0), {"entries": [(3, 5, "c2")]})
    body = encode(write, 1, proofs).SerializeToString()
    frame = keys.sign("c1", "s1", "Deliver", body)
    wire_write = decode(body)[1]
    rows = [
        ("encode and sign a WRITE with 3 proofs", lambda: keys.sign(
            "c1", "s1", "Deliver", encode(write, 1, proofs).SerializeToString())),
        ("verify a frame's HMAC", lambda: keys.verify(frame, "s1", "Deliver")),
        ("decode and validate a WRITE", lambda: decode(body)),
        ("owner check of 3 proofs", lambda: check_write(
            write, list(wire_write.proofs), keys, lambda e: list(SERVERS))),
    ]  # fmt: skip
    for name, f in rows:
        print(f"{name:<45} {micros(f):>8.0f} us")
    durable = DurableStore(pathlib.Path(tempfile.mkdtemp()) / "bench.sqlite")
    store = initial_store(Params(servers=3, faulty=()))
    durable.save(State(0, dict(store), SERVERS))
    version = [1]

    def commit() -> None:
        version[0] += 1
        store[3] = (version[0], "c2")
        durable.save(State(0, dict(store), SERVERS))

    print(f"{'SQLite commit of one token (fsync)':<45} {micros(commit, 300):>8.0f} us")
    unchanged = State(0, dict(store), SERVERS)
    print(
        f"{'persist with nothing changed':<45} {micros(lambda: durable.save(unchanged)):>8.0f} us"
    )


if __name__ == "__main__":
    main()
