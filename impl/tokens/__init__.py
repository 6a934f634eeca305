"""The reference implementation: threads, a lossy network, the shell and random workloads."""
