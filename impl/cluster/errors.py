"""The cluster's errors: one base class, one class per failure mode. Messages
say what was wrong and how to fix it, so the CLI prints them as they are."""

from __future__ import annotations


class ClusterError(Exception):
    """Base class of every error of impl/cluster."""


class BadData(ClusterError):
    """The data folder is missing or unreadable, or names no such node."""


class Unauthenticated(ClusterError):
    """A frame's signature, nonce or sender is not acceptable; nothing changed."""


class BadFrame(ClusterError):
    """A frame or its body does not parse as the wire format; nothing changed."""


class Unreachable(ClusterError):
    """A node's process did not answer."""


class Unanswered(ClusterError):
    """A request was sent and its answer never came: it may or may not have
    taken effect (a transform whose manager died; it resumes on restart)."""
