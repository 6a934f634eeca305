"""A multi-process deployment of the token protocol over gRPC (see impl/cluster/README in the project README)."""
