"""A multi-process deployment of the token protocol over gRPC (README "A real cluster")."""
