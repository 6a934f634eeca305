"""State machine replication with Lamport clocks on real sockets.

Replicas are processes listening on 127.0.0.1 (`cluster.py` starts them);
clients send every request to every replica themselves and take the first
reply (`client.py`); frames are length-prefixed JSON (`wire.py`); the
replicated state machine is pluggable (`machine.py`, the vaccine
availability log by default). Each process can record a JSON Lines trace
(`trace.py`) that `audit.py` checks. Imports neither spec/ nor checker/.
"""
