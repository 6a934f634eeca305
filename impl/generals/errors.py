"""The generals' errors: one base class, one class per failure mode."""

from __future__ import annotations


class GeneralsError(Exception):
    """Base class of every error impl.generals raises on purpose."""


class BadCommand(GeneralsError):
    """A shell command or its arguments are malformed or not allowed now; nothing changed."""


class OrderTimeout(GeneralsError):
    """Some generals did not decide in time."""
