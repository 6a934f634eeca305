"""The executable specification of the token protocol (PROTOCOL.md sections 4 to 6)."""
